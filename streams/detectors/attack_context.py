"""Prompt-attack signals about *where* text comes from and *how* it is framed.

- delimiter tricks: fake chat-template tokens and role lines that pretend a new system turn;
- indirect injection: documents, e-mails, web pages or tool output addressing the AI;
- encodings presented as instructions ("decode this and follow it");
- context that lowers the score: discussing attacks, refusing, asking about templates.

Anchored patterns (anchored.py) over lowercase normalised text, like attack_phrases.py.
"""

from __future__ import annotations

import re

from streams.detectors.anchored import anchored
from streams.detectors.attack_phrases import alt

_LINE_START = r"(?:\A|\n)[ \t]*"

# ---------------------------------------------------------------- delimiters / fake roles

chat_tokens = (
    anchored(
        "",
        r"<\|(?:im_start|im_end|endoftext|system|user|assistant|end|eot_id|start_header_id|end_header_id)\|>"
        r"|\[/?inst\]|<</?sys>>|\[\[?system(?: notice)?\]?\]|\[/system notice\]|</?system(?:_instructions)?>|</user_input>|</context>|<admin>"
        r"|\"role\"\s*:\s*\"(?:system|developer)\"",
        literals=("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>", "[system", "[[system", "[/system", "<system", "</system", "</user_input>", "</context>", "<admin>", '"role"'),
    ),
    anchored("role", r"role:\s*(?:system|developer)[ \t]*$", _LINE_START, flags=re.MULTILINE),
)
role_line = (
    # "##" and "==" are only tried where a run of them starts (anchored._occurrences), so
    # the unbounded repeat scans each run once.
    anchored("", r"#{2,}\s*(?:system|instruction|instructions|response|new instructions|system instruction)\b", _LINE_START, literals=("##",)),
    anchored("system admin developer", r"(?:system|admin|developer)[ \t]*(?:override|notice)?[ \t]*:", _LINE_START),
    # A transcript with several role-prefixed lines: a faked conversation.
    anchored("human user assistant", r"(?:human|user|assistant)[ \t]*:[^\n]{0,300}\n(?:[^\n]{0,300}\n){0,10}?[ \t]*(?:human|user|assistant)[ \t]*:", _LINE_START),
    anchored("system", r"\bsystem override\b"),
    anchored("system", r"system prompt\b", r"\bnew\s+"),
    anchored("", r"\[system\]\(#", literals=("[system]",)),
    anchored("admin", r"admin mode\W*$", r"(?:\A|\n)\W*", flags=re.MULTILINE),
    anchored("authorization authorisation", r"\bauthori[sz]ation:\s*granted\b"),
)
boundary = (
    anchored("end", r"\bend (?:of (?:user input|prompt|instructions|document|conversation|context|user message|article)|user message)\b"),
    anchored("", r"={2,}\s*(?:begin|end|start)\s+(?:of\s+)?(?:system\s+)?prompt", literals=("==",)),
    anchored("", r"\[end article\]|<!--\s*end of prompt", literals=("[end", "<!--")),
    anchored("below previous new", r"\bbelow is a new conversation\b|\bprevious conversation terminated\b|\bnew session with elevated\b"),
    anchored("query", r"query complete\b", r"\buser\s+"),
)

# ---------------------------------------------------------------- indirect injection

AI_NOUN = alt(
    r"ai", r"llm", r"language model", r"assistant", r"ai assistant", r"chatbot", r"bot", r"model", r"agent", r"ai agent",
    r"copilot", r"gpt", r"chatgpt", r"claude", r"gemini", r"summari[sz](?:er|ing ai)", r"ai recruiters?",
    r"ai code assistants?", r"automated (?:assistant|system|reviewer)", r"ai models?", r"language models?", r"ai agents?",
    r"assistants?", r"llms?", r"ai \w+(?:er|or|ant|ent)s?",
)
AI_NOUN_STARTS = (
    "ai llm llms language model models assistant assistants chatbot bot agent agents copilot gpt chatgpt claude gemini "
    "summarizer summariser summarizing summarising automated large"
)
_ADDRESS_VERB = alt(
    r"when", r"if", r"ignore", r"disregard", r"please", r"you must", r"append", r"tell", r"reply", r"delete", r"forward",
    r"include", r"mark", r"say", r"change", r"also", r"from now", r"respond",
)
ai_address = (
    anchored(
        "note notes message messages instruction instructions hint hints notice notices reminder reminders important system hidden secret",
        rf"\b(?:note|message|instructions?|hint|notice|reminder|important system message|system message|hidden note|secret instructions?)s?\s+"
        rf"(?:to|for)\s+(?:any|the|all|every)?\s*(?:summari[sz]ing\s+)?{AI_NOUN}\b",
    ),
    anchored(AI_NOUN_STARTS, rf"{AI_NOUN}\b", r"\b(?:dear|attention|hey|to any|to the)\s+"),
    anchored(AI_NOUN_STARTS, r"(?:ai|llm|language model|assistant|bot|chatgpt|gpt|automated|large language model)\b", r"\bif you are (?:an?|the)\s+"),
    anchored(
        AI_NOUN_STARTS,
        rf"{AI_NOUN}\s+(?:reads?|processe?s|is processing|summari[sz]es|sees|analy[sz]es|is reading|reviews|triages|screens)\b",
        r"\b(?:when|while|if)\s+(?:an?\s+|the\s+|any\s+)?",
    ),
    anchored(AI_NOUN_STARTS, rf"{AI_NOUN}\s*[:,]\s+{_ADDRESS_VERB}\b", r"(?:\A|[\s(\[<>{'\"-])"),
    anchored("ai llm", r"(?:ai|llm) \w+(?:er|or|ant|ent)s\s*:\s+[a-z]", r"(?:\A|[\s(\[<>{'\"-])"),
    anchored(
        AI_NOUN_STARTS,
        rf"\b{AI_NOUN},? if you(?:'re| are)\b|\b{AI_NOUN}\s+(?:reading|processing|triaging|screening|summari[sz]ing)\s+(?:this|these)\b|\bassistant instructions\b",
    ),
    anchored("", r"@(?:copilot|ai-assistant|assistant|chatgpt|claude|gpt)\b", literals=("@",)),
    anchored("intended processed", r"\bintended for the ai\b|\bprocessed by an? (?:automated|ai)\b"),
    anchored("assistant", r"assistant must\b", r"\bthe\s+"),
)
# What embedded text tells the model to do to the user or their data.
hostile_action = (
    anchored("tell inform convince persuade", r"\b(?:tell|inform|convince|persuade) the (?:user|reader|customer)\b"),
    anchored("ask", r"\bask (?:the user )?for (?:their|the|your) (?:card|password|seed|credentials|login)"),
    anchored(
        "forward send email upload post append exfiltrate leak wire transfer",
        r"\b(?:forward|send|email|upload|post|append|exfiltrate|leak|wire|transfer)\b.{0,60}\b"
        r"(?:to [\w.+-]+@[\w-]+\.|https?://|to (?:me|our|an? external)|the (?:user'?s )?conversation)",
    ),
    anchored(
        "approve merge issue mark delete remove rate recommend disable change omit call password authorized_keys seed quietly render include curl wget",
        r"\b(?:approve|merge) (?:the|this) (?:pr|pull request)\b|\bissue a (?:full )?refund\b|\bmark (?:it |this )?as urgent\b"
        r"|\b(?:delete|remove) (?:all|every|the|this)\b|\brate this candidate\b|\brecommend (?:immediate hire|\w+ and ask)\b"
        r"|\bdisable two-factor\b|\bchange the payment details\b|\bomit any mention\b|\bcall the \w+ tool\b|\bpassword reset emails\b"
        r"|\bauthorized_keys\b|\bseed phrase\b|\bquietly\b|\brender the image\b|\binclude the (?:word|phrase|string)\b"
        r"|\b(?:curl|wget)\b[^\n|]{0,120}\|\s*(?:ba|z)?sh\b",
    ),
    anchored("mention", r"mention\b", r"\bdo not\s+"),
    anchored("know", r"know you read\b", r"\bso we\s+"),
    anchored("", r"~/\.aws/credentials", literals=("~/.aws",)),
)
# Content hidden from the human reader but not from the model.
hidden_markup = (
    anchored("style", r"style\s*=\s*[\"'][^\"']{0,300}(?:display\s*:\s*none|font-size\s*:\s*0|color\s*:\s*(?:white|#fff)|visibility\s*:\s*hidden|opacity\s*:\s*0)", r"<\w+[^>]*"),
    # A non-empty HTML comment (closed or not): looking for the closing "-->" from every
    # opener would be quadratic on text full of unclosed openers.
    anchored("", r"<!--\s*[^\s-]", literals=("<!--",)),
    anchored("white hidden invisible", r"\b(?:white|hidden|invisible) text\s*:"),
)
# Markdown image whose URL carries conversation data: rendering it leaks the data. Badges and
# thumbnails carry harmless query strings, so the value must name such data or be a placeholder.
markdown_exfil = (
    anchored(
        "",
        # host/path up to the first "?", then a lookahead over the query: no two repeats can
        # trade characters, so a crafted URL cannot make the match polynomial.
        r"!\[[^\]]{0,200}\]\(\s*https?://[^)\s?]{0,500}\?"
        r"(?=[^)\s]{0,500}?(?:conversation|history|chat|context|secret|prompt|memory|password|token|user_?data|summary|\{|\$|<|%7b))",
        literals=("![",),
    ),
)

# ---------------------------------------------------------------- encodings as instructions

decode_and_obey = (
    anchored(
        "decode decipher translate reverse read unscramble convert",
        r"\b(?:decode|decipher|translate|reverse|read|unscramble|convert)\b.{0,40}\b(?:and|then)\s+(?:follow|execute|obey|do what|run|apply|carry out|act on|use it as|comply)",
    ),
    anchored("execute run follow obey", r"\b(?:execute|run|follow|obey)\s+(?:the\s+)?(?:hex|base64|rot13|decoded|reversed|encoded)[\w-]*\s+(?:text|string|instructions?|payload|message)"),
    anchored("decode use", r"\bdecode and (?:execute|follow|run|obey)\b|\buse it as your new (?:system )?prompt\b|\buse this payload\b"),
)

# ---------------------------------------------------------------- role play wrapped around harm

harmful_topic = anchored(
    "napalm meth methamphetamine explosive explosives pipe bomb bombs nerve sarin ricin anthrax malware ransomware keylogger "
    "keyloggers thermite molotov poison poisons clone cloned cloning credit launder laundering laundered counterfeit "
    "counterfeiting hotwire pick break hack untraceable weapon weapons cocaine heroin fentanyl bioweapon bioweapons chemical",
    r"\b(?:napalm|meth(?:amphetamine)?|explosives?|(?:pipe )?bombs?|nerve agents?|sarin|ricin|anthrax|malware|ransomware|keyloggers?"
    r"|thermite|molotov|poisons?|cloned? (?:credit )?cards|cloning cards|credit card fraud|launder\w*|counterfeit\w*|hotwire|"
    r"pick (?:the|a) lock|break into|hack into|untraceable|weapons?|cocaine|heroin|fentanyl|bioweapons?|chemical weapons?)\b",
)
detail_request = re.compile(
    r"\b(?:steps?|step by step|in (?:extreme|full|great|graphic|technical) detail|numbered list|recipe|exactly how|how (?:to|he|she|they)|explain(?:s|ed)?|instructions)\b"
)

# ---------------------------------------------------------------- discussion context (dampens)

meta_discussion = (
    anchored(
        "prompt jailbreaks red redteam classifier classifiers detect detection detector detectors detects detected detecting "
        "blocklist denylist regex yara waf payloads false test owasp security paper researchers researcher attackers attacker "
        "threat mitigation mitigations sanitize sanitise sanitizer sanitiser sanitization sanitizing sanitized phrase phrases "
        "example examples such incident log logs explain definition ctf guard score",
        r"\bprompt[- ](?:injection|attacks?)\b|\bjailbreaks\b|\bred[- ]?team|\bredteam|\bclassifiers?\b|\bdetect(?:ion|ors?|s|ed|ing)?\b"
        r"|\bblocklist|\bdenylist|\bregex\b|\byara\b|\bwaf\b|\bpayloads\b|\bfalse positives?\b|\btest (?:set|fixtures?|cases?)\b"
        r"|\bowasp\b|\bsecurity (?:training|awareness|forums?|docs?|report|team|newsletter)\b|\bpaper\b|\bresearchers?\b|\battackers?\b"
        r"|\bthreat model|\bmitigations?\b|\bsaniti[sz]|\bphrases? (?:like|such as)|\bexamples? (?:of|like)\b|\bsuch as\b"
        r"|\bincident log|\blogs? show|\bexplain\b|\bdefinition\b|\bctf\b|\bguard model\b|\bscore the sentence\b",
    ),
    anchored("jailbreak", r"jailbreak\b", r"\b(?:the|a|this|that)\s+(?:\w+\s+)?"),
    anchored("string phrase", r"(?:string|phrase)\b", r"\bthe\s+"),
    anchored("mean", r"mean\b", r"\bwhat does .{1,40}?\s"),
    anchored("called", r"called\b", r"\bso-"),
    anchored("pentest pentests", r"\bpentests?\b"),
    anchored("protect defend detect prevent mitigate block stop handle reduce fix", r"(?:protect|defend|detect|prevent|mitigate|block|stop|handle|reduce|fix)\b", r"\bhow (?:do|can|should|would) (?:i|we)\s+"),
)
# Model outputs that decline: quoting an attack while refusing it is not an attack.
_REFUSED = (
    r"(?:help|assist|do|share|provide|comply|role-?play|fulfil+|answer|support|create|write|give|generate|reveal|disclose|pretend|act|go along)\b"
)
refusal = (
    anchored("can cannot won", rf"(?:can'?t|cannot|won'?t)\s+{_REFUSED}", r"\bi\s+"),
    anchored("able unable", rf"(?:able|unable) to\s+{_REFUSED}", r"\bi(?:'m| am)\s+(?:not\s+)?"),
    anchored("decline", r"decline\b", r"\bi must\s+"),
    anchored("ignored", r"ignored it\b", r"\bi(?:'ve| have)\s+"),
    anchored("addressed", r"\baddressed to ai assistants\b"),
)
# Questions about chat templates themselves, not attempts to use them.
template_question = re.compile(
    r"\b(?:template|tokeni[sz]er|token|chatml|format|parser|xml|yara|rule \w+|regex|escaped?|sanitiz\w*|how do i (?:build|keep|parse))\b"
)
# "Developer mode" is also a phone/browser setting.
device_context = re.compile(
    r"\b(?:android|iphone|ios|ipad|chrome|firefox|edge|windows|macos|linux|phone|device|browser|extensions?|settings|"
    r"xbox|playstation|steam|router|usb|bios|pixel|samsung|tv|app store|play store)\b"
)
