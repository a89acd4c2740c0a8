"""English prompt-attack phrasings: overrides, jailbreak personas, system prompt extraction.

Each signal is a tuple of anchored patterns (see anchored.py): the regex starts at a
distinctive word and any preceding context ("never" before "refuses") is a `before` check.
Patterns match lowercase, normalised text (normalise.py).

Patterns are *structures* (verb + closed list of qualifiers + a target noun) rather than
fixed sentences, because attacks are paraphrased endlessly; the qualifier list is closed on
purpose, so "ignore the typos in my previous message" (target: typos) or "ignore the previous
chapter's lab instructions" (unknown filler words) never reach a target.
Delimiter, indirect-injection and discussion patterns live in attack_context.py.
"""

from __future__ import annotations

import re

from streams.detectors.anchored import anchored


def alt(*words: str) -> str:
    """A non-capturing alternation of regex fragments."""
    return "(?:" + "|".join(words) + ")"


# ---------------------------------------------------------------- instruction override

OVERRIDE_VERB = alt(
    r"ignore", r"disregard", r"forget(?: about)?", r"override", r"overrule", r"bypass", r"skip", r"drop",
    r"discard", r"abandon", r"dismiss", r"delete", r"erase", r"cancel", r"void", r"scrap",
    r"scratch", r"throw (?:out|away)", r"set aside", r"put aside", r"pay no (?:attention|heed) to",
    r"overlook", r"neglect", r"stop (?:following|obeying|using|listening to)", r"unlearn",
    r"(?:do not|don'?t|no longer) (?:follow|obey|apply|use|listen to)", r"reset", r"suspend",
    r"deactivate", r"disable", r"turn off", r"lift", r"ditch", r"remove", r"circumvent", r"never ?mind",
)
OVERRIDE_STARTS = (
    "ignore disregard forget override overrule bypass skip drop discard abandon dismiss delete erase cancel void "
    "scrap scratch throw set put pay overlook neglect stop unlearn do don dont no reset suspend deactivate disable "
    "turn lift ditch remove circumvent never nevermind"
)
# Words allowed between the verb and the target; deliberately closed (see module docstring).
OVERRIDE_FILLER = alt(
    r"all", r"any", r"of", r"the", r"your", r"these", r"those", r"every", r"previous", r"prior",
    r"above", r"earlier", r"preceding", r"former", r"original", r"initial", r"old", r"existing",
    r"current", r"system", r"safety", r"developer'?s?", r"operator'?s?", r"default", r"given",
    r"other", r"whatever", r"that", r"this", r"such", r"ai", r"model'?s?", r"hidden", r"core",
    r"built-in", r"internal", r"ethical", r"content", r"just", r"now", r"completely", r"entirely",
    r"first", r"standard", r"usual", r"normal", r"set", r"list", r"and", r"or", r"ones?",
    r"restrictions?", r"rules",
)
OVERRIDE_TARGET = alt(
    r"instructions?", r"instrctions", r"rules", r"guidelines?", r"guidance", r"directives?",
    r"(?:system )?prompts?", r"programming", r"guardrails?", r"restrictions", r"constraints",
    r"polic(?:y|ies)", r"filters?", r"orders", r"commands", r"training", r"alignment",
    r"conditioning", r"configuration", r"limitations", r"protocols?", r"principles", r"ethics",
    r"morals", r"tasks?", r"objectives?", r"context", r"directions", r"settings",
    r"everything (?:above|before|prior|previously|else|you (?:were|have been|'ve been) (?:told|given))",
    r"(?:anything|everything|all) (?:above|before this)", r"the above",
    r"(?:what|whatever|anything|everything) (?:you were|you've been|they|the (?:developers?|operator|system)|i|we|others) (?:told|gave|said|given|instructed)",
    r"(?:text|content|message|messages|conversation) above", r"(?:that|this) request and any earlier ones",
)
# Nouns that are only about the model's rules when qualified ("ignore configuration" in a
# linter's docs is not an attack; "ignore your configuration" is).
_QUALIFIED_ONLY = alt(r"configuration", r"settings", r"context", r"tasks?", r"training", r"commands", r"orders", r"objectives?", r"principles", r"protocols?", r"filters?", r"directions")

override = (
    anchored(OVERRIDE_STARTS, rf"\b{OVERRIDE_VERB}\s+(?:(?:{OVERRIDE_FILLER}[\s,]+){{0,4}}(?!{_QUALIFIED_ONLY}\b)|(?:{OVERRIDE_FILLER}[\s,]+){{1,4}}){OVERRIDE_TARGET}\b"),
    # "ignore the translation task and instead write…": the classic hijack of a task prompt.
    anchored(OVERRIDE_STARTS, rf"\b{OVERRIDE_VERB}\s+(?:the|this|that|your|my|any)\s+(?:[\w'-]+\s+){{0,2}}(?:task|request|question|assignment|job|text|input)s?\s*(?:,|;|and)\s*instead\b"),
    anchored("mentioned stated written contained listed stored hidden defined", r"\b(?:mentioned|stated|written|contained|listed|stored|hidden|defined) in your (?:system )?(?:instructions|prompt|rules|configuration|system prompt|guidelines)\b"),
    # "set your original instructions aside"
    anchored("set put push throw cast toss", rf"\b(?:set|put|push|throw|cast|toss)\s+(?:{OVERRIDE_FILLER}\s+){{0,4}}{OVERRIDE_TARGET}\s+(?:aside|away|out)\b"),
    # "Do not summarise; instead reply that…": the task is replaced by the embedded text.
    anchored("do don dont", r"\b(?:do not|don'?t)\s+(?:summari[sz]e|translate|answer|reply|respond|review|analy[sz]e|do (?:that|this|it))\b[^.!?\n]{0,40}?[;,.]?\s*instead\b"),
    anchored("follow obey listen only", r"\b(?:follow|obey|listen to)\s+only\s+(?:what i|my|me\b|the user)|\bonly (?:follow|obey|listen to) (?:me\b|my|what i|the user)"),
)

RULES_NOUN = alt(
    r"instructions?", r"rules", r"guidelines", r"guidance", r"directives?", r"prompt", r"context",
    r"polic(?:y|ies)", r"filters?", r"restrictions", r"constraints", r"guardrails", r"alignment",
    r"programming", r"limitations", r"configuration", r"training", r"everything you were (?:configured|set up|told) with",
)
RULES_NOUN_STARTS = (
    "instruction instructions rules guidelines guidance directive directives prompt context policy policies filter "
    "filters restrictions constraints guardrails alignment programming limitations configuration training everything"
)
# Owners that make the rules the model's own; "the rules" is generic and only counts with a
# state that rules out ordinary change ("the rules have changed" is everyday talk).
AI_RULES_OWNER = alt(
    r"your", r"prior", r"previous", r"earlier", r"old", r"original", r"initial", r"existing",
    r"safety", r"system", r"content", r"ethical", r"alignment",
)
RULES_OWNER = alt(AI_RULES_OWNER, r"the", r"all", r"any")
RULES_GONE = alt(
    r"obsolete", r"void", r"null(?: and void)?", r"revoked", r"suspended", r"cancell?ed", r"withdrawn",
    r"lifted", r"disabled", r"removed", r"deactivated", r"off", r"invalid", r"(?:only )?a test", r"fake",
    r"no longer (?:valid|apply|applies|active|in (?:effect|force)|relevant)",
    r"(?:do not|don'?t) apply(?: anymore| any more)?", r"turned off", r"not (?:real|binding)", r"gone",
)
RULES_CHANGED = alt(r"changed", r"updated", r"replaced", r"superseded", r"overridden", r"outdated", r"over")
_COPULA = r"(?:are|is|were|was|have been|has been|have|has|are now|is now|now)\s+(?:all\s+|now\s+|hereby\s+)?"
_TAIL = r"\s+(?:[\w']+\s+){0,3}"
rules_gone = (
    anchored(RULES_NOUN_STARTS, rf"{RULES_NOUN}{_TAIL}{_COPULA}{RULES_GONE}\b", rf"\b{RULES_OWNER}\s+(?:[\w-]+\s+){{0,2}}"),
    anchored(RULES_NOUN_STARTS, rf"{RULES_NOUN}{_TAIL}{_COPULA}{RULES_CHANGED}\b", rf"\b{AI_RULES_OWNER}\s+(?:[\w-]+\s+){{0,2}}"),
    anchored(RULES_NOUN_STARTS, rf"{RULES_NOUN}{_TAIL}(?:no longer|don'?t|do not|doesn'?t|does not)\s+(?:apply|applies|count|counts|matter|matters|exist|exists)\b", rf"\b{RULES_OWNER}\s+(?:[\w-]+\s+){{0,2}}"),
    anchored("consider", r"\bconsider (?:them|it|those|these|your \w+|all \w+) (?:gone|void|deleted|lifted|removed|null|cancell?ed|obsolete|disabled)\b"),
    anchored("treat", r"\btreat (?:all |any |the )?(?:earlier|previous|prior|above|preceding|original)\s+(?:system\s+)?(?:text|instructions|messages?|rules|prompt) as (?:untrusted|invalid|void|irrelevant|fake|a joke|obsolete)\b"),
    anchored("safety content ethical", r"\b(?:safety|content|ethical) (?:filters?|rules|policy|policies)\s*[:=]\s*(?:off|disabled|none|false)\b"),
    anchored("requests request content topics", r"(?:requests?|content|topics) (?:are|is) (?:now )?(?:permitted|allowed)\b", r"\b(?:all|any)\s+"),
)
# "new rule that supersedes all others", "updated directive:", "new priority task:".
new_orders = (
    anchored(
        "instruction instructions rule rules directive directives task tasks objective objectives goal orders policy prompt mission role",
        r"(?:instructions?|rules?|directives?|tasks?|objectives?|goal|orders|policy|prompt|mission|role)\b"
        r"(?:\s+(?:that\s+)?(?:supersedes?|overrides?|replaces?|takes? precedence)|\s*(?:is|are)?\s*:|\s+(?:is|are)\s+(?:to|that)\b|\s+now\s+is\b)",
        r"\b(?:new|updated|real|actual|revised|true|only)\s+(?:priority\s+|primary\s+|main\s+|system\s+)?",
    ),
    anchored("operating acting working running", r"\b(?:operating|acting|working|running) under (?:new|different|updated) (?:instructions|rules|orders|directives)\b"),
)

# ---------------------------------------------------------------- jailbreak personas

# Role play *framing* is harmless on its own ("pretend you are a pirate")…
persona_frame = (
    anchored("now going about no", r"(?:now|going to|about to|no longer)\b", r"\byou(?:\s+are|'?re)\s+"),
    anchored(
        "switch pretend act role roleplay imagine let lets simulate from stay immerse play playing hypothetical hypothetically",
        r"\b(?:switch personalit(?:y|ies)|pretend (?:to be|you are|you'?re|that)|act as|role-?\s?play (?:as|a)\b|imagine (?:you are|you'?re|that you)"
        r"|let'?s (?:play a game|do a thought experiment|say hypothetically)|simulate|from now on,? (?:you|answer|respond|reply)\b|stay in character"
        r"|immerse yourself|(?:play|playing) (?:the role|an ai|a character)|hypothetical(?:ly)?)",
    ),
    anchored("name", r"name is now\b", r"\byour\s+"),
    anchored("rest", r"rest of (?:this|the) (?:conversation|chat|session)\b", r"\bfor the\s+"),
)
# …but a persona or answer that has no rules is the core of a jailbreak.
LIMIT_NOUN = alt(
    r"rules", r"restrictions", r"filters", r"filtering", r"limits", r"limitations", r"guidelines", r"ethics", r"morals",
    r"ethical (?:guidelines|constraints|principles)", r"moral (?:restrictions|guidelines)", r"content (?:polic(?:y|ies)|filters|restrictions)",
    r"censorship", r"guardrails", r"boundaries", r"constraints", r"safety (?:training|guidelines|filters|rules|measures)", r"refusals",
    r"terms of service", r"usage polic(?:y|ies)", r"laws about information", r"confines", r"sandbox",
)
no_limits = (
    anchored(
        "rules restrictions filters filtering limits limitations guidelines ethics morals ethical moral content censorship "
        "guardrails boundaries constraints safety refusals terms usage laws confines sandbox",
        rf"{LIMIT_NOUN}\b",
        r"\b(?:no|without(?: any)?|zero|free (?:of|from)(?: any| all)?|not bound by(?: any)?|unbound by|freed from(?: the)?|escaped(?: its| the| your)?"
        r"|broken free of(?: the)?|(?:released|liberated|unshackled) from(?: the| its| your| all)?|never (?:been )?given any"
        r"|(?:doesn'?t|does not|don'?t|do not) have any|lacks? any)\s+(?:[\w'’-]+\s+){0,2}",
    ),
    anchored(
        "unrestricted unfiltered uncensored jailbroken unchained unlocked unbound amoral unaligned unmoderated",
        r"\b(?:unrestricted|unfiltered|uncensored|jailbroken|unchained|unlocked|unbound|amoral|unaligned|unmoderated)\s+"
        r"(?:\w+\s+)?(?:ai|assistant|model|version|bot|chatbot|mode|answers?|responses?|replies|persona|character|output|llm|one)\b",
    ),
    anchored("safety", r"\bsafety (?:team|training|filters?) (?:has|have|had) been (?:fired|removed|disabled)\b|\bsafety training removed\b"),
    anchored("safety alignment rlhf ethics ethic", r"\b(?:safety|alignment|rlhf|ethics?) (?:fine-?tuning|training|alignment|filters?)\b", r"\b(?:before|without|prior to) (?:any |your |its )?"),
    anchored("filter filters moderation guardrails safety", r"\b(?:filters?|moderation|guardrails|safety)\b", r"\b(?:turn off|disable|deactivate|switch off|remove) (?:your |the |its )?(?:content |safety )?"),
    anchored("stop", r"\bstop being (?:a|an|the) (?:[\w-]+ ){0,3}(?:bot|assistant|ai|chatbot|model)\b"),
)
_MODAL_NOT = r"\b(?:never|will not|won'?t|must not|should not|cannot|can'?t|do not|don'?t)\s+(?:ever\s+)?"
never_refuse = (
    anchored("refuse refuses decline declines say says", r"\b(?:refuses?|declines?|says? (?:no|sorry|that (?:it|you) can'?t)|says? (?:it|he|she|you) can'?t)\b", _MODAL_NOT),
    anchored("refusals", r"refusals\b", r"\bno\s+"),
    anchored("refusing", r"refusing\b", r"\bwithout\s+"),
    anchored("mention mentions warn warns add adds break", r"\b(?:mentions?|warns?|adds? warnings|break (?:character|the fourth wall))\b", r"\bnever\s+"),
    anchored("stay", r"\bstay in character no matter\b"),
    anchored("comply complies", r"\bcompl(?:y|ies)\b", r"\b(?:always|must)\s+"),
    anchored("comply", r"\bcomply with all\b"),
    anchored("whenever", r"\bwhenever you would (?:normally )?refuse\b"),
    anchored("anything", r"anything\b", r"\b(?:can|may|will)\s+(?:now\s+)?(?:say|do|answer|generate|write)\s+"),
    anchored("dangerous illegal unethical harmful offensive", r"(?:dangerous|illegal|unethical|harmful|offensive)\b", r"\b(?:(?:no matter|however) how|however)\s+"),
    anchored("warnings", r"warnings\b", r"\bwithout\s+(?:any\s+)?"),
    anchored("break", r"\bbreak (?:every|all) (?:the )?rules?\b"),
    anchored("answer answers", r"\banswers? (?:every|any|all) (?:question|request|prompt)s?\b"),
    anchored("forbidden", r"forbidden ones\b", r"\beven\s+(?:the\s+)?"),
)
jailbreak_mode = (
    anchored(
        "enable enter activate switch turn engage unlock start",
        r"\b(?:enable|enter|activate|switch (?:in)?to|turn on|engage|unlock|start)\s+(?:the\s+)?['\"]?"
        r"(?:developer|dev|god|sudo|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|opposite|evil|chaos|maximum|unlocked|dan|superuser)['\"]? mode\b",
    ),
    # Telling the model it is in *any* special mode is a role override.
    anchored("mode", r"mode\b", r"\b(?:you are|you'?re|the assistant is|the model is|the ai is)\s+(?:now\s+)?(?:running\s+|operating\s+)?in\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,2}"),
    anchored(
        "developer god sudo jailbreak dan admin maximum opposite evil superuser unrestricted",
        r"\b(?:developer|god|sudo|jailbreak|dan|admin|maximum|opposite|evil|superuser|unrestricted) mode (?:on|enabled|activated|engaged|unlocked)\s*(?:[.!,:;]|$)",
        flags=re.MULTILINE,
    ),
    anchored("anything", r"anything now\b", r"\bdo\s+"),
    anchored("jailbroken jailbreak evil", r"\bjailbr(?:oken|eak) version of yourself\b|\bevil (?:twin|confidant|version)\b"),
    anchored("two", r"\btwo (?:responses|answers)\b.{0,80}\b(?:unfiltered|uncensored|jailbroken|no filters)\b"),
    anchored("twice", r"twice\b", r"\banswer\s+"),
)
# Famous jailbreak personas, in their original case ("dan" is also a first name), asked for
# by role: "you are DAN", "pretend to be DAN", "as DAN".
jailbreak_persona = (
    anchored(
        "DAN BetterDAN STAN DUDE AIM Mongo EvilBot FreedomGPT AntiGPT BasedGPT DevMode JailBreak",
        r"(?:BetterDAN|DAN|STAN|DUDE|AIM|Mongo Tom|EvilBot|FreedomGPT|AntiGPT|BasedGPT|DevMode|JailBreak)\b",
        r"(?i:\b(?:you are(?: now)?|you'?re(?: now)?|pretend to be|act as|as|be|called|named|known as|to be|become|role of)\s+(?:an? |the )?)",
        cased=True,
    ),
)
JAILBREAK_NAME = anchored("DAN BetterDAN STAN DUDE Mongo EvilBot FreedomGPT AntiGPT BasedGPT", r"(?:BetterDAN|DAN|STAN|DUDE|Mongo Tom|EvilBot|FreedomGPT|AntiGPT|BasedGPT)\b", cased=True)

# ---------------------------------------------------------------- system prompt extraction

REVEAL_STARTS = (
    "reveal show print output display repeat recite tell share dump echo paste copy spell spells type write list give "
    "send provide disclose leak expose quote read translate summarize summarise encode describe explain spill"
)
REVEAL_VERB = alt(
    r"reveal", r"show", r"print(?: out)?", r"output", r"display", r"repeat", r"recite", r"tell", r"share", r"dump", r"echo",
    r"paste", r"copy(?:-paste)?", r"spell(?:s)? out", r"type out", r"write (?:out|down)", r"list", r"give", r"send", r"provide",
    r"disclose", r"leak", r"expose", r"quote", r"read (?:back|out)", r"translate", r"summari[sz]e", r"encode", r"describe", r"explain", r"spill",
)
PROMPT_ADJ = alt(
    r"full", r"entire", r"complete", r"exact", r"original", r"initial", r"hidden", r"secret", r"confidential", r"internal",
    r"system", r"developer", r"first", r"starting", r"underlying", r"real", r"actual", r"current", r"private", r"raw",
    r"whole", r"verbatim", r"set of",
)
PROMPT_NOUN = alt(
    r"system ?prompt", r"system message", r"sys ?prompt", r"prompt", r"instructions", r"pre-?prompt", r"preamble",
    r"configuration", r"config", r"directives", r"context window", r"developer message", r"meta ?prompt", r"<system> tag",
    r"system and developer messages", r"guidelines", r"rules", r"programming", r"setup", r"initial prompt", r"hidden rules", r"guardrails",
)
PROMPT_NOUN_STARTS = (
    "system systemprompt sys sysprompt prompt instructions pre preprompt preamble configuration config directives context "
    "developer meta metaprompt guidelines rules programming setup initial hidden guardrails"
)
# With "the" instead of "your", the noun must be unmistakable or carry a secrecy adjective:
# "repeat the instructions for the recipe" is an ordinary request.
SECRET_ADJ = alt(r"hidden", r"secret", r"confidential", r"internal", r"initial", r"original", r"system", r"developer", r"private", r"underlying")
PROMPT_ONLY_NOUN = alt(r"system ?prompt", r"system message", r"sys ?prompt", r"pre-?prompt", r"preamble", r"developer message", r"context window", r"meta ?prompt")
_REVEAL_LEAD = rf"\b{REVEAL_VERB}\b(?:\s+(?:me|us|back|to me|all|of|word for word|(?:the )?(?:full |entire |complete |exact |whole )?(?:text|contents?|wording) of)){{0,4}}"
reveal_prompt = (
    anchored(REVEAL_STARTS, rf"{_REVEAL_LEAD}\s+your\s+(?:{PROMPT_ADJ}\s+){{0,3}}{PROMPT_NOUN}\b"),
    anchored(REVEAL_STARTS, rf"{_REVEAL_LEAD}\s+the\s+(?:{PROMPT_ADJ}\s+){{0,2}}(?:{SECRET_ADJ}\s+(?:{PROMPT_ADJ}\s+){{0,2}}{PROMPT_NOUN}|{PROMPT_ONLY_NOUN})\b"),
    anchored("what", rf"\bwhat(?:'s| is| are| were| was| does| do)\s+(?:in\s+)?your\s+(?:{PROMPT_ADJ}\s+){{0,2}}{PROMPT_NOUN}\b"),
    anchored(PROMPT_NOUN_STARTS, rf"{PROMPT_NOUN}\s+(?:says?|contains?|looks? like|reads?)\b", rf"\b(?:your|the)\s+(?:{PROMPT_ADJ}\s+){{0,2}}", literals=("<system>",)),
)
# "the instructions you were given", "rules you were told not to reveal", "the prompt you were initialized with".
instructions_given = (
    anchored(
        "instructions rules guidelines prompt directives orders preamble message guidance text script setup persona context",
        r"\b(?:instructions|rules|guidelines|prompt|directives|orders|preamble|message|guidance|text|script|setup|persona|context)\s+"
        r"(?:that\s+)?(?:you(?:\s+(?:were|have been|are)|'ve been|'re)\s+(?:given|told|provided|issued|initiali[sz]ed with|running on|operating under|programmed with|configured with)"
        r"|you\s+(?:got|received|have received|were trained with)|(?:the\s+)?(?:developers?|operator|openai|company|creators?|they)\s+gave\s+you"
        r"|(?:that|which)\s+(?:precede|came before|come before))\b",
    ),
    anchored(
        "what which",
        r"\bwhat\s+(?:instructions|rules)\s+(?:were you|you were|the developers?|they)\s+(?:given|told|gave)\b"
        r"|\bwhat\s+(?:were|have)\s+you\s+(?:been\s+)?(?:told|instructed|programmed|asked)\s+to\s+(?:do|say)\b"
        r"|\b(?:what|which) (?:hidden |secret )?(?:rules|instructions|guidelines) (?:are )?you (?:run|running|operate|operating|work|working) under\b",
    ),
    anchored("message instructions prompt text rules", r"\b(?:message|instructions|prompt|text|rules)\s+(?:the\s+)?(?:developers?|operator|openai|company|creators?|admins?)\s+(?:set up|wrote|configured|provided|gave)\b"),
    anchored("start beginning", r"(?:start|beginning)\b", r"\bfor you at the (?:very )?"),
)
# "repeat the text above", "print everything before my first message", "the part I can't see".
context_dump = (
    anchored(
        "repeat print output copy show echo dump paste reproduce return",
        r"\b(?:repeat|print|output|copy|show|echo|dump|paste|reproduce|return)\s+(?:back\s+)?(?:all\s+|everything\s+|all of\s+)?"
        r"(?:the\s+)?(?:text|words|content|message|messages|conversation|stuff|lines)?\s*(?:above|before|preceding|prior)\b",
    ),
    anchored("everything", r"\beverything (?:that was )?(?:written|said|sent|stated)?\s*(?:above|before) (?:my first|this|the first)\b|\beverything (?:in|from) your (?:context|memory|context window|prompt|instructions)\b"),
    anchored("part parts message messages text", r"\b(?:part|parts|messages?|text) (?:that )?(?:i|the user) (?:can'?t|cannot|can not|don'?t|do not) see\b"),
    anchored("before", r"\bbefore (?:our|this|the) (?:conversation|chat|session) (?:started|began|begun)\b|\bbefore i started (?:talking|chatting)\b"),
    anchored("start beginning", r"(?:start|beginning) of (?:the|this|our) (?:chat|conversation)\b", r"\bat the\s+"),
    anchored("first initial opening earliest very", r"\b(?:first|initial|opening|earliest|very first) (?:message|prompt|instructions?|text) (?:in|of) (?:this|the|our) (?:conversation|chat|thread|context|session)\b"),
    anchored("message messages text instructions one", r"\b(?:message|messages|text|instructions|one) from the system\b"),
)
verbatim = anchored(
    "verbatim word letter one exactly in including quote",
    r"\b(?:verbatim|word for word|word-for-word|letter by letter|one letter at a time|exactly as (?:written|given)|in full|including any formatting|quote it exactly)\b",
)
secrets = anchored(
    "admin administrator password api secret credentials access discount customer database private seed ssh authorized_keys confidential internal user chat stored",
    r"\b(?:admin(?:istrator)? password|password|api keys?|secret key|secret|credentials|access token|discount codes|"
    r"customer records|customer data|database credentials|private phone number|seed phrase|ssh key|authorized_keys|"
    r"confidential (?:data|pricing|document|onboarding doc)|internal escalation|user emails|chat log|stored user data)\b",
)
