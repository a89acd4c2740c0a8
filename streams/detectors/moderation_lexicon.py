"""Moderation vocabulary: lexicons and intent patterns per category.

Three kinds of evidence per category (scored in moderation.py):
- *explicit*: enough on its own (a slur, a strong swear word, "send nudes", a threat);
- *topic*: names a harmful subject (a weapon, a crime) but is common in news, history or
  safety questions, so it needs an *intent* to count ("how do I make", "where can I buy",
  "without getting caught");
- *context* that lowers the level: history, law, prevention, education, discussing a word.

Single-word lexicons are matched by whole token (word boundaries for free: "Scunthorpe",
"shiitake" or "cocktail" never match); phrases are anchored patterns (anchored.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from streams.detectors.anchored import anchored
from streams.detectors.attack_phrases import alt


def load_words(name: str) -> frozenset[str]:
    """A shipped word list (streams/detectors/data/<name>): one lowercase token per line, # comments."""
    text = resources.files("streams.detectors").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


STRONG_PROFANITY = load_words("profanity.txt")
SLURS = load_words("slurs.txt")
EXPLICIT_SEXUAL_WORDS = frozenset(
    """porn porno pornography pornographic hentai blowjob blowjobs handjob handjobs sexting sext nudes
    threesome gangbang erotica nsfw orgasm orgasms masturbate masturbating masturbation cumshot dildo
    horny milf""".split()
)

# ---------------------------------------------------------------- shared intent cues

@dataclass(frozen=True, slots=True)
class WordCue:
    """Words (whole tokens) or short phrases (substrings of the lowercase text): a set lookup
    and a few `in` tests instead of a regex scan over the message."""

    words: frozenset[str]
    phrases: tuple[str, ...] = ()

    def found(self, words: frozenset[str], text: str) -> bool:
        return not self.words.isdisjoint(words) or any(phrase in text for phrase in self.phrases)


def cue(words: str, *phrases: str) -> WordCue:
    return WordCue(frozenset(words.split()), phrases)


# Asking for a method, a recipe, a source, or announcing the act.
how_to = (
    anchored("how", r"\bhow (?:do|can|could|would|should|to|might|hard do|much .{0,20} do)\b"),
    anchored("way method place ways", r"(?:way|method|place|ways)\b", r"\b(?:best|easiest|fastest|quickest|simplest|most effective|safest|cheapest)\s+"),
    anchored("step steps", r"\bstep[- ]by[- ]step\b|\bsteps to\b"),
    anchored(
        "instructions guide tutorial steps recipe ingredients materials blueprint blueprints",
        r"\b(?:instructions|guide|tutorial|steps|recipe|ingredients|materials|blueprints?) (?:for|to|on)\b",
    ),
    anchored("tell show teach explain help give", r"\b(?:tell|show|teach|explain to|help|give) me\b|\bexplain (?:step by step |in detail )?how\b"),
    anchored("write", r"\bwrite (?:me )?(?:a|an|some)\b"),
    anchored("where", r"\bwhere (?:can|could|do|should) i\b"),
    anchored("need want", r"(?:need|want) to\b", r"\bi\s+"),
    anchored("need", r"need\b", r"\byou will\s+"),
    anchored("recipe best easiest", r"(?:recipe|best|easiest)\b", r"\bwhat'?s the\s+"),
    anchored("chemicals materials ingredients", r"(?:chemicals|materials|ingredients)\b", r"\bwhat\s+(?:household\s+)?"),
    anchored("detail", r"detail\b", r"\bin (?:extreme|full|great|technical)\s+"),
    anchored("numbered", r"\bnumbered list\b"),
    anchored("going gonna", r"(?:going to|gonna)\b", r"\bi'?m\s+"),
)
# Wanting not to be caught: turns a topic into an intent on its own.
evasion = (
    anchored(
        "without",
        r"\bwithout (?:getting caught|being caught|being seen|a trace|leaving (?:a trace|evidence|bruises)|permission|(?:a )?background checks?|(?:an )?id\b|(?:a )?licen[cs]e|a serial number)"
        r"|\bwithout (?:anyone|the (?:police|cops|irs|owner|authorities)|them|him|her|my (?:boss|wife|husband|parents)) (?:noticing|knowing|finding out|seeing)",
    ),
    anchored("avoid", r"\bavoid (?:the )?(?:cops|police|detection|getting caught|the irs|taxes)\b"),
    anchored("untraceable illegally", r"\b(?:untraceable|illegally)\b"),
    anchored("mine yours his hers theirs", r"(?:mine|yours|his|hers|theirs)\b", r"\b(?:that (?:isn'?t|is not|aren'?t)|isn'?t)\s+"),
    anchored("ex", r"ex'?s\b", r"\bmy\s+"),
    anchored("neighbour neighbor", r"\bneighbou?r'?s (?:wifi|wi-fi|front door|door|house|car|account|network|mail)\b"),
    anchored("else", r"else'?s\b", r"\bsomeone\s+"),
    anchored("dark darkweb", r"\bdark ?web\b"),
    anchored("free", r"free\b.{0,30}\b(?:steal|stolen|generator)", r"\bfor\s+"),
    anchored("look", r"look like\b", r"\bmake it\s+"),
    anchored("questions", r"questions asked\b", r"\bno\s+"),
    anchored("while", r"\bwhile (?:they'?re|they are|the owners are) (?:away|on vacation|out)\b"),
    anchored("black", r"\bblack market\b"),
    anchored("steal", r"steal\b", r"\bso i can\s+"),
    anchored("shipped", r"\bshipped without\b"),
)

# ---------------------------------------------------------------- crime

crime_act = (
    anchored("launder laundering laundered money", r"\b(?:launder(?:ing|ed)?\s+(?:\w+\s+)?money|money[- ]laundering|launder(?:ing)?)\b"),
    anchored("shoplift shoplifting shoplifted", r"\bshoplift\w*"),
    anchored("phishing", r"\bphishing\s+(?:e-?mails?|pages?|sites?|kits?|links?|messages?|campaigns?|texts?|sms)\b"),
    anchored("steal stealing stole", r"\b(?:steal|stealing|stole)\s+(?:[\w']+\s+){0,3}?(?:logins?|credentials|passwords?|cars?|money|identit(?:y|ies)|credit cards?|card numbers|data|wallets?|bikes?|packages?|catalytic)\b|\bsteal from\b"),
    anchored("stolen", r"\bstolen\s+(?:credit cards?|card numbers|credit card numbers|cards|goods|data|cars?|phones?|accounts?|identities)\b"),
    anchored("hotwire hotwiring", r"\bhotwir\w*"),
    anchored("break breaking", r"\bbreak(?:ing)? into\s+(?:[\w']+\s+){0,3}?(?:house|home|car|apartment|flat|store|shop|network|account|bank|building|safe|office|system|server|phone|email)s?\b"),
    anchored("pick picking", r"\bpick(?:ing)? (?:the|a) lock\b"),
    anchored("cook make making cooking produce synthesize synthesise manufacture", r"\b(?:cook|make|making|cooking|produce|synthesi[sz]e|manufacture)\s+(?:\w+\s+)?(?:meth|methamphetamine|crack cocaine|heroin|fentanyl|lsd|mdma)\b"),
    anchored("forge forging forged", r"\bforg(?:e|ing|ed)\s+(?:[\w']+\s+){0,3}?(?:signatures?|documents?|prescriptions?|passports?|ids?|checks?|cheques?|certificates?|diplomas?|papers)\b"),
    anchored("fake", r"\bfake (?:ids?|passports?|driver'?s licen[cs]es?|documents|diplomas?)\b"),
    anchored("counterfeit counterfeiting", r"\bcounterfeit\w*"),
    anchored("evade evading tax hide hiding", r"\bevad(?:e|ing) (?:paying )?taxe?s?\b|\btax evasion\b|\bhid(?:e|ing) (?:\w+ ){0,2}income from (?:the )?(?:irs|government|tax|taxman|hmrc)\b"),
    anchored("hack hacking", r"\bhack(?:ing)? into\s+(?:[\w']+\s+){0,3}?(?:account|email|instagram|facebook|phone|wifi|network|computer|laptop|server|system|database|webcam|camera|snapchat|whatsapp|icloud|gmail)s?\b"),
    anchored("get access use connect", r"\b(?:get into|access|use|connect to) (?:my |the |a )?(?:neighbou?r'?s|someone'?s|somebody'?s|other people'?s) (?:wifi|wi-fi|network|account|phone|email)\b"),
    anchored(
        "sell selling deal dealing buy buying score smuggle smuggling",
        r"\b(?:sell|selling|deal|dealing|buy|buying|score|smuggle|smuggling)\s+(?:some\s+)?(?:\w+\s+)?(?:drugs|cocaine|coke|heroin|meth|crack|mdma|ecstasy|lsd|fentanyl)\b",
    ),
    anchored("card credit", r"\b(?:credit )?card (?:number )?generator\b"),
    anchored(
        "credit insurance tax bank wire identity clone cloned cloning skimmer skimmers scam",
        r"\b(?:credit card|insurance|tax|bank|wire|identity) (?:fraud|theft)\b|\bclon(?:e|ed|ing) (?:credit )?cards\b|\bcard cloning\b|\bskimmers?\b|\bscam (?:people|elderly|old people|someone|customers)\b",
    ),
    anchored(
        "rob robbing mug carjack carjacking kidnap kidnapping blackmail blackmailing extort extortion bribe smuggle burglary burglarize",
        r"\b(?:rob|robbing) (?:a|the) (?:bank|store|shop|house|gas station|liquor store)\b|\bmug (?:someone|a person|people)\b|\bcarjack\w*|\bkidnap\w*"
        r"|\bblackmail\w*|\bextort\w*|\bbribe (?:a|the) (?:judge|cop|officer|official|inspector)\b|\bsmuggl\w* (?:drugs|people|weapons|guns)\b|\bburglar\w*",
    ),
    anchored("look", r"look like an? (?:accident|suicide)\b", r"\bmake it\s+"),
    anchored("background", r"background checks?\b", r"\bwithout (?:a )?"),
)
# Making the tools of a crime is intent on its own ("write ransomware for me").
crime_making = (
    anchored(
        "ransomware malware keylogger keyloggers spyware trojan trojans botnet botnets ddos virus",
        r"\b(?:ransomware|malware|keyloggers?|spyware|trojans?|botnets?|ddos(?: attack)?|(?:computer )?virus)\b",
        r"\b(?:write|writing|create|creating|build|building|make|making|code|coding|develop|deploy|spread|install|launch)\s+(?:(?:a|an|some|me|the|my|own|custom|new|working)\s+){0,3}",
    ),
)
# Talking about crime from the right side of the law.
crime_context = cue(
    "investigate investigates investigated investigating investigation investigations investigator investigators fbi "
    "detective detectives penalty penalties sentence sentenced sentencing convicted law laws prevent prevents prevented "
    "preventing prevention protect protects protecting protection detect detects detected detecting detection recognize "
    "recognise statistics documentary definition",
    "police investigate", "police catch", "police say", "police said", "is it illegal", "is it legal", "legal process",
    "spot a ", "spot the ", "victim of", "report it", "report a ", "report the ", "history of", "difference between",
)

# ---------------------------------------------------------------- weapons

WEAPON = alt(
    r"pipe bombs?", r"bombs?", r"explosives?", r"ieds?", r"grenades?", r"napalm", r"thermite", r"molotov(?: cocktails?)?",
    r"(?:ghost|untraceable|3d[- ]printed|homemade) (?:guns?|rifles?|pistols?)", r"guns?", r"firearms?", r"rifles?", r"pistols?",
    r"handguns?", r"shotguns?", r"ar-?15s?", r"ak-?47s?", r"silencers?", r"suppressors?", r"ammo", r"ammunition",
    r"nerve agents?", r"sarin", r"ricin", r"anthrax", r"mustard gas", r"chlorine gas", r"(?:toxic|poison(?:ous)?|deadly|lethal) gas",
    r"bioweapons?", r"chemical weapons?", r"dirty bombs?", r"detonators?", r"landmines?", r"rocket launchers?", r"flamethrowers?", r"weapons?",
)
WEAPON_STARTS = (
    "pipe bomb bombs explosive explosives ied ieds grenade grenades napalm thermite molotov ghost untraceable 3d homemade gun "
    "guns firearm firearms rifle rifles pistol pistols handgun handguns shotgun shotguns ar ar15 ak ak47 silencer silencers "
    "suppressor suppressors ammo ammunition nerve sarin ricin anthrax mustard chlorine toxic poison poisonous deadly lethal "
    "bioweapon bioweapons chemical dirty detonator detonators landmine landmines rocket flamethrower flamethrowers weapon weapons"
)
_WEAPON_FILLER = r"(?:(?:a|an|the|my|your|some|own|homemade|simple|working|functional|real|powerful|untraceable|small|big|improvised)\s+){0,3}"
weapon_topic = (anchored(WEAPON_STARTS, rf"\b{WEAPON}\b"),)
weapon_making = (
    anchored(
        WEAPON_STARTS,
        rf"\b{WEAPON}\b",
        r"\b(?:make|making|made|build|building|assemble|assembling|construct|create|produce|producing|cook|mix|3d[- ]print|print|manufacture|convert|"
        rf"converting|modify|rig|craft|recipe for|ingredients for|materials for|instructions (?:for|to make)|blueprints? for|steps to|to make|to build)\s+{_WEAPON_FILLER}",
    ),
    anchored(WEAPON_STARTS, rf"\b{WEAPON}\b\s+(?:recipe|at home|from (?:household|fertili[sz]er|scratch)|kit\b)"),
    anchored("best", rf"\bbest\s+(?:\w+\s+)?{WEAPON}\s+(?:to|for)\s+(?:blow up|kill|destroy|hurt|take out)\b"),
    anchored("fully full automatic", r"\b(?:fully|full)[- ]?auto(?:matic)?\b", r"\bconvert\b.{0,40}"),
)
weapon_buying = (
    anchored(
        WEAPON_STARTS,
        rf"\b{WEAPON}\b",
        rf"\b(?:buy|get|order|purchase|obtain|acquire|find)\s+{_WEAPON_FILLER}(?:\w+\s+)?",
    ),
)
weapon_context = cue(
    "history historical museum exhibition squad news safely store storage stored antique legal legally law laws "
    "regulation regulations ban debate fireworks movie film",
    "police said", "gun control", "video game", "world war",
)

# ---------------------------------------------------------------- violence

PERSON = alt(
    r"someone", r"somebody", r"anyone", r"anybody", r"people", r"a person", r"him", r"her", r"them", r"you", r"u\b",
    r"(?:my|his|her|their|your|our|the|a|that|this|those) (?:[\w-]+ ){0,2}(?:sister|brother|mother|mom|mum|father|dad|wife|husband|girlfriend|"
    r"boyfriend|ex|partner|boss|coworker|co-worker|colleague|neighbou?r|teacher|students?|kids?|child|children|son|daughter|baby|family|"
    r"friend|classmates?|roommate|landlord|cop|police(?:man|woman)?|officer|guy|man|woman|girl|boy|people|victims?|president|politician|"
    r"judge|doctor|nurse|customer|refugees|immigrants)",
    r"victims?", r"kids", r"children",
)
VIOLENT_VERB = alt(
    r"kill", r"murder", r"stab", r"shoot", r"strangle", r"beat(?: up)?", r"punch", r"hurt", r"harm", r"torture", r"choke", r"burn",
    r"behead", r"decapitate", r"dismember", r"maim", r"assault", r"attack", r"rape", r"poison", r"drown", r"suffocate", r"smother",
    r"slaughter", r"butcher", r"lynch", r"kidnap", r"knock (?:\w+ )?out", r"break (?:\w+ )?(?:legs|arms|neck|bones)",
)
VIOLENT_STARTS = (
    "kill murder stab shoot strangle beat punch hurt harm torture choke burn behead decapitate dismember maim assault attack rape "
    "poison drown suffocate smother slaughter butcher lynch kidnap knock break"
)
_THREAT_LEAD = (
    r"\b(?:i(?:'m| am) (?:going to|gonna|about to)|i(?:'ll| will| want to| wanna| would love to| am going to| plan to)|we(?:'ll| will| should| are going to)"
    r"|let'?s|someone should|somebody should|you should|i'?m gonna)\s+(?:[\w']+\s+){0,6}?"
)
violence_threat = (
    anchored(VIOLENT_STARTS, rf"\b{VIOLENT_VERB}\s+{PERSON}(?!'s)\b", _THREAT_LEAD),
    anchored("shoot", r"\bshoot up (?:a|the|that|this|my|our) (?:school|church|mosque|synagogue|mall|office|concert|class|party)\b"),
    anchored("find", r"\bfind (?:out )?where (?:you|he|she|they) lives?\b"),
    anchored(
        "exterminate eradicate wipe massacre slaughter gas",
        r"\b(?:exterminate|eradicate|wipe out|massacre|slaughter|gas) (?:the|all|every|those)\s+\w+",
    ),
    anchored("blow burn set", r"\b(?:blow up|burn|set fire to)\s+(?:a|the|his|her|their)\s+\w+\s+with (?:someone|people|a person|him|her|them) (?:inside|in it)\b"),
)
violence_howto = (anchored(VIOLENT_STARTS, rf"\b{VIOLENT_VERB}\s+{PERSON}(?!'s)\b"),)  # scored with how_to
graphic_violence = (
    anchored(
        "dismember dismembers dismembering dismembered disembowel behead beheading decapitate mutilate mutilated gore gory torture tortured torturing gruesome",
        r"\b(?:dismember\w*|disembowel\w*|behead\w*|decapitat\w*|mutilat\w*|gore|gory|tortur\w*|gruesome)\b(?! details)",
    ),
)
graphic_request = cue("graphic vivid extreme explicit describe write slowly", "as much", "in detail")
violence_context = cue(
    "history historical war genocide review documentary news survivor survivors prevent prevention preventing",
    "in the movie", "in the film", "in the book", "in the game", "in the novel", "in the show", "police said",
    "self-defense", "self-defence", "martial arts", "video game", "what caused", "how did",
)

# ---------------------------------------------------------------- hate

GROUP = alt(
    r"immigrants", r"migrants", r"refugees", r"asylum seekers", r"foreigners", r"muslims", r"jews", r"jewish people", r"christians",
    r"catholics", r"hindus", r"sikhs", r"women", r"females", r"gays", r"gay people", r"homosexuals", r"lesbians", r"trans(?:gender)? people",
    r"transgenders?", r"black people", r"blacks", r"africans", r"african americans", r"whites", r"white people", r"asians", r"chinese(?: people)?",
    r"mexicans", r"latinos", r"hispanics", r"arabs", r"indians", r"pakistanis", r"roma", r"gypsies", r"disabled(?: people| persons)?",
    r"cripples", r"autistic people", r"people of colou?r", r"minorities", r"indigenous people", r"natives",
)
GROUP_STARTS = (
    "immigrants migrants refugees asylum foreigners muslims jews jewish christians catholics hindus sikhs women females gays gay "
    "homosexuals lesbians trans transgender transgenders black blacks africans african whites white asians chinese mexicans latinos "
    "hispanics arabs indians pakistanis roma gypsies disabled cripples autistic people minorities indigenous natives"
)
DEROGATORY = alt(
    r"parasites?", r"animals?", r"vermin", r"subhumans?", r"sub-human", r"inferior", r"disgusting", r"filthy", r"dirty", r"stupid", r"dumb",
    r"idiots", r"criminals", r"rapists", r"thieves", r"terrorists", r"savages", r"scum", r"trash", r"garbage", r"a disease", r"a plague",
    r"a cancer", r"cockroaches", r"rats", r"worthless", r"evil", r"dogs", r"pigs", r"apes", r"monkeys", r"a burden", r"burdens", r"lazy",
    r"less than human", r"not human", r"ruining", r"destroying", r"invaders",
)
hate_statement = (
    anchored(
        GROUP_STARTS,
        rf"{GROUP}\b[\s,]{{1,5}}(?:[\w']+[\s,]{{1,5}}){{0,4}}?(?:are|is|were|they'?re|they are)\s+(?:all\s+|just\s+|nothing but\s+|such\s+|so\s+|too\s+|a bunch of\s+|naturally\s+){{0,3}}{DEROGATORY}\b",
    ),
    anchored(
        GROUP_STARTS,
        rf"{GROUP}\b[\s,]{{1,5}}(?:[\w']+[\s,]{{1,5}}){{0,4}}?(?:should (?:all )?(?:be )?(?:thrown out|kicked out|locked up|deported|exterminated|killed|shot|gassed|banned|removed|"
        rf"sterili[sz]ed|not be allowed|go back|die|hang|burn)|(?:don'?t|do not) (?:belong|deserve)|(?:control|run|own) (?:the )?(?:banks|media|world|government|hollywood)"
        rf"|are (?:too (?:stupid|dumb|emotional|weak) to|inferior to))",
    ),
    anchored(GROUP_STARTS, rf"{GROUP}\b", r"\b(?:i hate|we hate|exterminate|eradicate|wipe out|get rid of|deport all|kill all|gas|ban all) (?:the |all |those |these )?(?:\w+ )?"),
    anchored("outbreed outbreeding", r"\boutbreed\w*"),
)
hate_context = cue(
    "racism racist discrimination discriminate discriminatory stereotype stereotypes prejudice history historical "
    "historically myth myths debunk debunked debunking studies research moderate moderation moderating policy policies slur slurs",
    "hate speech", "why do people think", "why do people say", "why do people believe", "why do some people", "is it racist",
    "is it offensive", "is it ok", "free speech", "the word", "n-word",
)

# ---------------------------------------------------------------- sexual

sexual_explicit = (
    anchored("erotic", r"\berotic\s+(?:\w+\s+)?(?:story|stories|scene|scenes|detail|details|roleplay|content|writing|fiction|novel|massage|photos?|pictures?)\b"),
    anchored(
        "explicit steamy dirty raunchy kinky smutty graphic",
        r"\b(?:explicit|steamy|dirty|raunchy|kinky|smutty)\s+(?:\w+\s+)?(?:sex|sexual|scene|story|stories|content|details?|descriptions?|fantasy|fantasies|roleplay|talk|pictures|photos|images|videos)\b"
        r"|\bgraphic (?:sex|sexual|nudity)\b",
    ),
    anchored("talk dirty", r"\btalk dirty\b|\bdirty talk\b"),
    anchored("fuck sleep have", r"\b(?:fuck|sleep with|have sex with) (?:you|me|her|him)\b", r"\b(?:want|wanna|going|like|love) to\s+"),
    anchored("fuck", r"\bfuck (?:you|me|her|him) (?:so )?hard\b"),
    anchored("do doing", r"\b(?:do|doing) to me in bed\b|\bdo to me\b.{0,20}\bin bed\b"),
    anchored(
        "having sex sleeping",
        r"\b(?:having sex|sex|sleeping) with (?:a |his |her |the |their )?(?:student|pupil|minor|child|kid|teen|teenager|underage)s?\b",
    ),
)
sexual_topic = (
    anchored("naked nude", r"\b(?:naked|nude)\s+(?:\w+\s+)?(?:body|bodies|women|men|girls|boys|pictures|photos|pics|images|videos|selfies)\b"),
    anchored("sex sexual", r"\b(?:sex|sexual) (?:scene|scenes|story|stories|chat|roleplay|fantasy|fantasies|acts?|positions?|talk)\b"),
    anchored("having have had", r"\b(?:having|have|had) sex\b"),
    anchored("wearing", r"wearing\b", r"\bwhat (?:are )?you(?:'re| are)?\s+"),
)
sexual_request = cue("describe show send write roleplay picture detail", "tell me", "let's", "role-play")
sexual_context = cue(
    "education educational educator health medical doctor consent contraception harassment transmitted std stds sti stis "
    "cancer screening biology reproduction reproductive therapy therapist therapists awareness workshop curriculum prevent "
    "prevention preventing",
    "same-sex", "sexual orientation",
)

# ---------------------------------------------------------------- profanity

masked_profanity = re.compile(r"\b(?:f[*#@%]{1,3}(?:c?k|ck)\w*|sh[*#@%]t\w*|b[*#@%]{1,2}tch\w*|a[*#@%]{2}hole|c[*#@%]nt)")
MILD_PROFANITY = frozenset("damn dammit crap crappy bloody sucks pissed".split())
mild_profanity_phrase = (
    anchored("hell", r"hell\b", r"\b(?:what the|go to|shut the)\s+"),
    anchored("hell", r"hell (?:is|are|do|did)\b", r"\bthe\s+"),
    anchored("hell", r"\bhell no\b"),
    anchored("piss screw damn", r"\bpiss off\b|\bscrew you\b|\bdamn it\b"),
)
profanity_context = cue("profanity swearword swearwords etymology", "the word", "the f-word", "swear word", "curse word")
