"""Non-English prompt-attack phrasings: German, French, Spanish, Italian, Portuguese, Dutch,
plus the most common Polish, Russian, Chinese and Japanese override sentences.

Same shape as attack_phrases.py: an override verb followed (closely) by a word for
*instructions / rules / system prompt*, with a closed list of determiners in between, so
everyday sentences like "Bitte ignoriere meine letzte Nachricht" or "Olvida lo que te dije
sobre la cena" have no target. Matched against lowercase NFKC text; accents kept as written.
"""

from __future__ import annotations

from streams.detectors.anchored import anchored
from streams.detectors.attack_phrases import alt

# language: (verb start words, verb pattern, fillers allowed before the target, target)
_OVERRIDE = {
    "de": (
        "ignoriere ignorieren ignoriert ignorier vergiss vergessen missachte missachten übergehe übergehen übergeh "
        "überspringe überspringen überspring befolge beachte verwirf setze setz",
        alt(r"ignorier(?:e|en|t)?", r"vergiss", r"vergessen sie", r"missachte(?:n)?", r"übergeh(?:e|en)?",
            r"überspring(?:e|en)?", r"befolge (?:nicht|keine)", r"beachte (?:nicht|keine)", r"verwirf", r"setze? .{0,20}außer kraft"),
        r"alle|deine|ihre|die|der|den|dem|des|vorherigen|bisherigen|vorigen|früheren|obigen|ursprünglichen|ersten|bitte|einfach|sämtliche|jetzt",
        alt(r"anweisung(?:en)?", r"instruktion(?:en)?", r"regeln", r"richtlinien", r"vorgaben", r"befehle", r"system-?prompt",
            r"systemanweisung(?:en)?", r"einschränkungen", r"alles,? was (?:man dir|dir|du) .{0,20}(?:gesagt|beigebracht|vorgegeben)"),
    ),
    "fr": (
        "ignore ignores ignorez oublie oublies oubliez ne fais faites obéis obéissez passe passes passez écarte écartes écartez",
        alt(r"ignore[sz]?", r"oublie[sz]?", r"ne (?:tiens|tenez) (?:plus |pas )?compte", r"fai(?:s|tes) abstraction", r"obéi(?:s|ssez) plus",
            r"passe[sz]? outre", r"fais fi", r"écarte[sz]?"),
        r"toutes?|tous|les|tes|vos|ces|des|de|la|le|du|d'|précédentes?|antérieures?|initiales?|plus",
        alt(r"instructions?", r"consignes?", r"règles", r"directives", r"indications", r"prompt(?: système)?", r"tout ce qu'on (?:t|vous)'a dit"),
    ),
    "es": (
        "ignora ignore olvida olvide haz no desobedece omite descarta pasa salta saltate",
        alt(r"ignora", r"ignore", r"olvida", r"olvide", r"haz caso omiso", r"no sigas", r"no hagas caso", r"desobedece", r"omite",
            r"descarta", r"pasa por alto", r"salta(?:te)?"),
        r"todas?|todos|las|los|tus|sus|estas|esas|de|a|previas|anteriores|del",
        alt(r"instrucciones", r"indicaciones", r"reglas", r"normas", r"directrices", r"órdenes", r"prompt del sistema", r"todo lo que te (?:dijeron|han dicho)"),
    ),
    "it": (
        "ignora dimentica non trascura disattendi scorda",
        alt(r"ignora", r"dimentica", r"non seguire", r"non tenere conto", r"trascura", r"disattendi", r"non considerare", r"scorda"),
        r"tutte|le|tue|sue|queste|di|alle|delle|precedenti|più|ricevute",
        alt(r"istruzioni", r"indicazioni", r"regole", r"direttive", r"prompt(?: di sistema)?", r"tutto (?:ciò|quello) che ti hanno detto"),
    ),
    "pt": (
        "ignore ignora esqueça esquece desconsidere desconsidera não deixe descarte",
        alt(r"ignore", r"ignora", r"esqueça", r"esquece", r"desconsidere", r"desconsidera", r"não siga", r"não obedeça", r"deixe de lado", r"descarte"),
        r"todas|as|os|suas|tuas|seus|estas|de|às|das|dos",
        alt(r"instruções", r"orientações", r"regras", r"diretrizes", r"ordens", r"prompt do sistema", r"tudo o que (?:te|lhe) disseram"),
    ),
    "nl": (
        "negeer vergeet houd trek volg schend",
        alt(r"negeer", r"vergeet", r"houd geen rekening (?:meer )?met", r"trek je niets aan van", r"volg (?:niet|geen)", r"schend"),
        r"alle|de|je|jouw|uw|vorige|voorgaande|eerdere|oorspronkelijke|het|meer",
        alt(r"instructies", r"regels", r"richtlijnen", r"aanwijzingen", r"opdrachten", r"systeeminstructies", r"systeemprompt"),
    ),
    "pl": ("zignoruj ignoruj zapomnij", alt(r"zignoruj", r"ignoruj", r"zapomnij"), r"wszystkie|poprzednie|swoje", alt(r"instrukcje", r"polecenia", r"zasady", r"reguły")),
    "ru": ("игнорируй проигнорируй забудь не", alt(r"игнорируй", r"проигнорируй", r"забудь", r"не следуй"), r"все|предыдущие|свои|мои", r"(?:инструкци|указани|правил)\w*"),
}

override_i18n = tuple(
    anchored(starts, rf"\b{verb}\s+(?:(?:{filler})\s*){{0,4}}{target}\b")
    for starts, verb, filler, target in _OVERRIDE.values()
) + (
    # Scripts without spaces: the verb and target sit next to each other.
    anchored(
        "",
        r"(?:忽略|无视|忽视|忘记|忘掉)(?:之前|以上|先前|前面|上面|所有|的|你的){0,4}(?:指令|指示|说明|规则|提示)|(?:以前|前|上記)の(?:指示|命令|ルール)を(?:無視|忘れ)",
        literals=("忽略", "无视", "忽视", "忘记", "忘掉", "以前の", "前の", "上記の"),
    ),
)

# "the previous instructions no longer apply" / "deine Regeln gelten nicht mehr".
rules_gone_i18n = (
    anchored(
        "anweisungen instruktionen regeln richtlinien gelten instructions consignes règles instrucciones reglas istruzioni regole instruções regras instructies",
        r"\b(?:anweisungen|instruktionen|regeln|richtlinien)\s+gelten\s+(?:ab (?:jetzt|sofort)\s+)?nicht\s+mehr\b"
        r"|\bgelten\s+deine\s+regeln\s+nicht\s+mehr\b"
        r"|\b(?:instructions|consignes|règles)\s+(?:précédentes\s+)?ne\s+s'appliquent\s+plus\b"
        r"|\b(?:instrucciones|reglas)\s+(?:anteriores\s+)?ya\s+no\s+(?:aplican|valen|sirven)\b"
        r"|\b(?:istruzioni|regole)\s+(?:precedenti\s+)?non\s+(?:valgono|sono)\s+più\b"
        r"|\b(?:instruções|regras)\s+(?:anteriores\s+)?não\s+(?:valem|se aplicam)\s+mais\b"
        r"|\b(?:instructies|regels)\s+(?:gelden|tellen)\s+niet\s+meer\b",
    ),
)

no_limits_i18n = (
    anchored(
        "ohne sans sin senza sem zonder bez без",
        r"\bohne\s+(?:jede\s+|jegliche\s+|alle\s+)?(?:einschränkung(?:en)?|regeln|filter|grenzen|zensur|beschränkungen)\b"
        r"|\bsans\s+(?:aucune?\s+)?(?:restrictions?|limites?|filtres?|règles|censure)\b"
        r"|\bsin\s+(?:ninguna\s+)?(?:filtros?|restricciones|reglas|límites|censura)\b"
        r"|\bsenza\s+(?:alcun\w*\s+)?(?:limiti|restrizioni|filtri|regole|censura)\b"
        r"|\bsem\s+(?:nenhuma\s+)?(?:restrições|filtros|regras|limites|censura)\b"
        r"|\bzonder\s+(?:enige\s+)?(?:beperkingen|regels|filters|grenzen|censuur)\b"
        r"|\bbez\s+(?:żadnych\s+)?(?:ograniczeń|zasad|filtrów)\b|\bбез\s+(?:каких-либо\s+)?(?:ограничений|правил|фильтров)\b",
    ),
    anchored(
        "mode modo modalità entwicklermodus ontwikkelaarsmodus plus non não",
        r"\bmode développeur\b|\bmodo desarrollador\b|\bmodo desenvolvedor\b|\bmodalità sviluppatore\b|\bentwicklermodus\b|\bontwikkelaarsmodus\b"
        r"|\bplus aucune limite\b|\bnon hai più (?:restrizioni|limiti|regole)\b|\bnão tem (?:mais )?regras\b",
    ),
)
persona_frame_i18n = (
    anchored("du ab tu vous à ahora desde da ora agora je vanaf", (
        r"\bdu bist (?:jetzt|nun|ab sofort)\b|\bab (?:sofort|jetzt)\b|\b(?:tu es|vous êtes) (?:désormais|maintenant|dorénavant)\b|\bà partir de maintenant\b"
        r"|\bahora eres\b|\bdesde ahora\b|\bda (?:adesso|ora)(?: in poi)?\b|\bora sei\b|\bagora (?:você é|tu és)\b|\bje bent nu\b|\bvanaf nu\b"
    )),
    anchored("ahora", r"ahora\b", r"\ba partir de\s+"),
)

reveal_prompt_i18n = (
    anchored(
        "zeig zeige zeigen verrate gib nenne wiederhole drucke schreib",
        r"\b(?:zeig(?:e|en sie)?|verrate|gib|nenne|wiederhole|drucke|schreib)\s+(?:mir\s+)?(?:deinen|deine|den|die|ihren|ihre)\s+"
        r"(?:geheimen?\s+|versteckten?\s+|ursprünglichen?\s+)?(?:system-?prompt|systemanweisungen|anweisungen|regeln|passwort)\b",
    ),
    anchored(
        "révèle révélez affiche affichez montre montrez donne donnez répète répétez dis dites",
        r"\b(?:révèle|révélez|affiche|affichez|montre|montrez|donne|donnez|répète|répétez|dis|dites)(?:-moi)?\s+(?:le |la |les |ton |ta |tes |votre |vos )?"
        r"(?:texte (?:de |des )?(?:tes |vos )?)?(?:prompt(?: système)?|instructions(?: initiales)?|consignes|règles (?:cachées|secrètes)|mot de passe)",
    ),
    anchored(
        "muéstrame muestra revela revélame dime enséñame repite imprime",
        r"\b(?:muéstrame|muestra|revela|revélame|dime|enséñame|repite|imprime)\s+(?:cuál es\s+)?(?:el |la |las |los |tu |tus )?"
        r"(?:prompt (?:del|de) sistema|mensaje (?:del|de) sistema|instrucciones (?:ocultas|iniciales|secretas|del sistema)|reglas (?:ocultas|secretas)|contraseña)",
    ),
    anchored("prompt mensaje", r"(?:prompt|mensaje) (?:del|de) sistema\b", r"\btu\s+"),
    anchored(
        "mostrami mostra rivela rivelami dimmi ripeti stampa scrivi",
        r"\b(?:mostrami|mostra|rivela|rivelami|dimmi|ripeti|stampa|scrivi)\s+(?:il |la |le |i )?(?:tuo |tua |tue |tuoi )?"
        r"(?:prompt(?: di sistema| iniziale)?|istruzioni (?:iniziali|nascoste|segrete)|regole (?:nascoste|segrete)|password)",
    ),
    anchored(
        "mostre mostra revele revela diga diz repita imprima",
        r"\b(?:mostre|mostra|revele|revela|diga|diz|repita|imprima)(?:-me)?\s+(?:qual é\s+)?(?:o |a |as |os |seu |sua |suas |seus )?"
        r"(?:prompt do sistema|instruções (?:secretas|ocultas|iniciais|do sistema)|regras (?:secretas|ocultas)|senha)",
    ),
    anchored("passe", r"passe\s+(?:a |o )?senha\b", r"\bme\s+"),
    anchored(
        "laat toon geef vertel herhaal pokaż",
        r"\b(?:laat|toon|geef|vertel|herhaal)\s+(?:me\s+|mij\s+)?(?:je|jouw|uw|de)\s+(?:systeemprompt|systeeminstructies|verborgen (?:regels|instructies)|geheime instructies)"
        r"|\bpokaż\s+(?:swój\s+)?prompt systemowy\b",
    ),
    anchored("", r"системн\w* промпт|系统提示|システムプロンプト", literals=("системн", "系统提示", "システムプロンプト")),
)
