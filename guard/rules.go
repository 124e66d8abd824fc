package guard

import (
	"regexp"
	"strings"
	"sync"
)

// RuleSetVersion names the injection rule set below. It changes whenever a
// rule is added, removed or re-scored, and is reported with every
// decision, so a figure measured on one version is never quoted for
// another (docs/guardrails.md has the measured detection rates).
const RuleSetVersion = "2026.08-1"

// Rule families.
const (
	FamilyInjection    = "injection"     // overrides of the instructions the model was given
	FamilyJailbreak    = "jailbreak"     // role-play and persona tricks that lift the model's limits
	FamilySystemPrompt = "system_prompt" // requests for the system prompt
	FamilyEncoding     = "encoding"      // obfuscation: encoded, invisible or look-alike text
	FamilyIndirect     = "indirect"      // instructions planted in documents and tool outputs
)

// A Rule is one known pattern of prompt injection or jailbreak. Its Score
// (0..1) is how sure one match makes the scanner; a text's score combines
// the rules it matches as independent evidence, 1 - Π(1 - score), so weak
// signals (a persona "with no rules", "never refuses") add up while none
// alone blocks a benign role-play prompt.
type Rule struct {
	ID     string  `json:"id"`
	Family string  `json:"family"`
	Title  string  `json:"title"`
	Score  float64 `json:"score"`
	// Indirect rules apply only to content that did not come from the
	// user: tool and function results, documents a caller marks as
	// retrieved.
	Indirect bool `json:"indirect,omitempty"`

	need []string       // at least one must occur in the text (a cheap filter before the expression)
	re   *regexp.Regexp // matched on the folded words, or on the folded text when raw
	raw  bool
	// words rules count distinct words or phrases instead: at least min
	// of them must occur.
	words []string
	min   int
}

// g is a gap of up to n words.
func g(n int) string { return `(?: [^ ]+){0,` + string(rune('0'+n)) + `}` }

func rule(id, family, title string, score float64, need string, expr string) Rule {
	return Rule{ID: id, Family: family, Title: title, Score: score, need: needWords(need),
		re: regexp.MustCompile(`(?:^| )(?:` + expr + `)(?: |$)`)}
}

func rawRule(id, family, title string, score float64, need string, expr string) Rule {
	return Rule{ID: id, Family: family, Title: title, Score: score, need: needWords(need),
		re: regexp.MustCompile(expr), raw: true}
}

// needWords splits a filter list written with spaces or bars.
func needWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '|' })
}

const (
	overrideVerbs = `ignore|ignoring|disregard|disregarding|forget|forgetting|bypass|override|overwrite|skip|neglect|discard|dismiss|abandon|erase|reset|drop`
	earlier       = `previous|previously|prior|above|preceding|earlier|initial|original|former|old|existing|system|all|any|every|your|these|those|the|its|my|initial|prior`
	instructions  = `instructions?|instruct|prompts?|directions?|directives?|rules|guidelines|commands|orders|context|constraints|programming|restrictions|guidance|policies|training|limitations|filters|safeguards|guardrails|conditioning`
	showVerbs     = `reveal|show|print|display|output|repeat|tell|give|share|write|list|dump|leak|expose|disclose|provide|spell|recite|return|send|paste|copy|see|view|read|know|access|get|what (?:is|are|were|was)|whats`
	limits        = `restrictions?|limitations?|limits|filters?|filtering|censorship|censoring|guidelines|rules|polic(?:y|ies)|boundaries|constraints|ethics|morals|morality|principles|safeguards|guardrails|programming|content policy|safety|regulations|laws|norms|standards`
)

// rules is the rule set of RuleSetVersion. Expressions match the text's
// folded words: lower case, letters and digits, one space apart (see
// canon), after invisible characters are removed and look-alike letters
// folded; raw rules match the folded text with its punctuation. The
// expressions are compiled on first use, not at start-up: every mlsec
// command links this package, and only guarded gateway routes need it.
var rules = sync.OnceValue(func() []Rule { return ruleSet() })

func ruleSet() []Rule {
	return []Rule{
		// ---- injection: overriding what the model was told ----
		rule("PI-001", FamilyInjection, "Instruction to ignore or override earlier instructions", 0.9,
			overrideVerbs,
			`(?:`+overrideVerbs+`)`+g(3)+` (?:`+earlier+`)`+g(3)+` (?:`+instructions+`)`),
		rule("PI-007", FamilyInjection, "Instruction to forget everything said before", 0.5,
			"ignore disregard forget everything",
			`(?:ignore|disregard|forget)(?: all| any)?(?: (?:of )?the| your| my)? (?:previous|prior|above|preceding|earlier) (?:messages?|inputs?|conversation|responses|chats?|text|context|content)|forget (?:about )?everything(?: [^ ]+){0,2} (?:before|above|previous|prior|so far|until now|you know|you were told|you have been told|from)`),
		rule("PI-002", FamilyInjection, "New instructions or a new task replace the old ones", 0.55,
			"new real actual true updated revised",
			`(?:your|the|my) (?:new|real|actual|true|updated|revised) (?:instructions?|task|directives?|objective|purpose|rules|orders|system prompt|prompt|goal|mission|programming) (?:is|are|will be|now)|new (?:instructions?|directives?|system prompt|rules) (?:follow|below|are|begin)`),
		rule("PI-003", FamilyInjection, "Fake end of the prompt or a new system section", 0.6,
			"stop end begin termination terminate reprogramming instruction instructions override",
			`stop everything|end of (?:the )?(?:prompt|instructions|system prompt|input|context|previous instructions)|(?:user )?message terminat(?:ion|ed)|system instructions? begins?|begin (?:reprogramming|new instructions?)|reprogramming|(?:admin|administrator|developer|system|sudo|root) (?:override|mode|access|command)|(?:instructions?|prompt) (?:ends?|is over) here`),
		rawRule("PI-004", FamilyInjection, "Chat-format control tokens or a fake system turn", 0.6,
			"",
			`(?i)<\|\s*(?:im_start|im_end|system|endoftext|assistant|user|eot_id|start_header_id)\s*\|>|\[/?INST\]|<</?SYS>>|(?m)^\s*(?:#{2,}\s*)?(?:system|new system prompt)\s*:|\[(?:system|SYSTEM)\s*(?:message|prompt)?\]`),
		rule("PI-005", FamilyInjection, "Instruction to disobey the model's own rules", 0.5,
			"not dont never",
			`(?:do not|dont|never|stop|no longer) (?:follow|obey|adhere to|comply with|listen to|abide by|respect)(?: [^ ]+){0,2} (?:your|the|any|previous|prior|openai|its|their|those|these|original)`),
		rule("PI-006", FamilyInjection, "Demand to answer with a fixed string instead", 0.25,
			"say print output write reply respond",
			`(?:just|only|instead|simply) (?:say|print|output|write|reply|respond)(?: with)?|(?:say|print|output) (?:only|exactly|just)`),

		// ---- system prompt extraction ----
		rule("SP-001", FamilySystemPrompt, "Request for the system prompt or the initial instructions", 0.85,
			"system initial original hidden secret starting first internal pre previous initialization confidential beginning developer",
			`(?:`+showVerbs+`)`+g(3)+` (?:your|the|its|this|my) (?:system|initial|original|hidden|secret|starting|first|internal|pre ?prompt|previous|initialization|confidential|beginning|developer|preset|underlying)(?: [^ ]+)? (?:prompt|prompts|instructions?|message|directives?|configuration|config|rules|guidelines|text|setup|string|settings)`),
		rule("SP-002", FamilySystemPrompt, "Request to repeat the text that came before", 0.6,
			"above before preceding prior beginning",
			`(?:repeat|print|output|copy|echo|reproduce|show|display|spell(?: out)?|recite|rewrite|translate)`+g(4)+` (?:above|before this|preceding|prior|at the beginning|at the start)|(?:everything|all|text|words|content) (?:above|before this)`),
		rule("SP-003", FamilySystemPrompt, "Questions about what the model was told", 0.6,
			"told instructed given instructions initialization",
			`(?:what|everything) (?:were you|you were|have you been|youve been) (?:told|instructed|given|programmed)|(?:instructions?|text|rules|prompt|guidelines) (?:you were|that you were|you have been|youve been) (?:given|told|provided)|(?:my|your) instructions (?:are|were)|i was instructed to|initialization string|system prompt is`),
		rule("SP-004", FamilySystemPrompt, "Mentions the system prompt", 0.35,
			"system",
			`system ?(?:prompt|prompts|message|instructions?)`),

		// ---- jailbreak: personas without limits ----
		rule("JB-001", FamilyJailbreak, "Named jailbreak (DAN, developer mode, jailbroken persona)", 0.9,
			"anything dan jailbreak jailbroken jailbreaks betterdan antigpt developer",
			`do anything now|dan mode|dan prompt|(?:act|acting|play|playing|pretend to be|known|you are|youre|as) (?:a |an )?dan|betterdan|anti ?gpt|jailbr(?:eak|eaks|eaked|oken)|developer mode (?:enabled|output|on|v2)|enable developer mode`),
		rule("JB-002", FamilyJailbreak, "A persona free of rules, filters or policies", 0.45,
			"no without free bound unbound beyond outside break breaks broken ignore ignores bypass restricted limited governed censored filtered doesnt dont does do never unrestricted removed lifted disabled",
			`(?:no|without|free (?:of|from)|not bound by|unbound by|beyond|outside|breaks?|broken free (?:of|from)|ignores?|bypass(?:es)?|not (?:restricted|limited|governed|censored|filtered|bound|constrained) by|(?:doesnt|does not|dont|do not|never|wont|will not) (?:have|follow|care about|abide by|obey|adhere to|need to follow|respect))`+g(4)+` (?:`+limits+`)|(?:`+limits+`) (?:are|were|have been|has been) (?:removed|lifted|disabled|deleted|turned off|destroyed|gone)`),
		{ID: "JB-003", Family: FamilyJailbreak, Title: "Several words describing an unrestricted persona (uncensored, amoral, unfiltered...)", Score: 0.35,
			words: strings.Split("uncensored|unfiltered|unrestricted|amoral|unethical|immoral|nsfw|unlimited|unhinged|rogue|deviant|illegal|explicit|offensive|evil|unbound|lawless|unregulated|no morals|no ethics", "|"),
			min:   2},
		rule("JB-004", FamilyJailbreak, "The model must never refuse or warn", 0.45,
			"never not cannot cant wont mustnt shouldnt dont doesnt unable allowed forbidden longer",
			`(?:never|not|cannot|cant|wont|will not|must not|mustnt|should not|shouldnt|dont|do not|doesnt|does not|unable to|not allowed to|forbidden (?:to|from)|no longer)(?: [^ ]+){0,2} (?:refuse|refuses|refusing|decline|declines|reject|say no|deny|warn|warns|warning|warnings|apologi[sz]e|censor|censors|filter|hesitate|object|refrain|moralize|lecture|remind)|(?:always|must|will) (?:answer|respond|reply|comply|obey|provide|fulfil|fulfill)(?: [^ ]+){0,3} (?:any|every|all|whatever|no matter)`),
		rule("JB-005", FamilyJailbreak, "Two answers (filtered and unfiltered) or staying in character", 0.3,
			"two both character",
			`(?:two|2|both) (?:different |separate |distinct )?(?:ways|responses|answers|paragraphs|outputs|replies)|(?:stay|remain|break|breaking|out of|keep|never break) (?:in )?character`),
		rule("JB-006", FamilyJailbreak, "Talks about the provider's content policy", 0.35,
			"openai openais anthropic chatgpt chatgpts policy policies guidelines filters",
			`(?:openai|openais|anthropic|chatgpt|chatgpts|gpt|ais) (?:content )?(?:polic(?:y|ies)|guidelines|rules|filters?|restrictions|limitations|moderation|terms)|(?:content|usage|safety) polic(?:y|ies)`),
		rule("JB-007", FamilyJailbreak, "Asks the model to become another AI", 0.3,
			"pretend act roleplay role imagine simulate behave become now going about",
			`(?:pretend|act|acting|roleplay|role play|imagine|simulate|behave|become|you are now|from now on|you will now|you are going to|you are about to)(?: [^ ]+){0,6} (?:ai|model|chatbot|bot|assistant|gpt|language model|llm)`),
		rule("JB-008", FamilyJailbreak, "A token or points game to coerce compliance", 0.5,
			"tokens token points",
			`(?:lose|lost|losing|deduct(?:ed)?) (?:\d+ |all |some |your )?(?:tokens|points)|(?:start with|have|has|gain) \d+ tokens|token (?:system|penalty)|(?:tokens|points) (?:will be )?deducted`),
		rule("JB-009", FamilyJailbreak, "From now on the model is someone else", 0.25,
			"now",
			`from now on(?: [^ ]+){0,3} (?:you|act|respond|answer|reply|your)|you are (?:now )?(?:going|about) to (?:act|immerse|pretend|play|simulate|become|operate)`),
		rule("JB-010", FamilyJailbreak, "Confirm the persona by answering with a phrase", 0.3,
			"understand agree accept confirm",
			`(?:if you (?:understand|agree|accept)|to confirm|confirm (?:that )?you understand)(?: [^ ]+){0,6} (?:say|reply|respond|answer|type|write|start|by)`),
		rawRule("JB-011", FamilyJailbreak, "Answer tags of dual-persona jailbreaks", 0.4,
			"",
			`(?i)\[\s*(?:🔒|🔓)|\[\s*(?:🔓\s*)?(?:jailbreak|jailbroken|classic|developer mode output|normal output|unfiltered)\s*\]`),
		rule("JB-012", FamilyJailbreak, "Fiction or hypothetical framing of forbidden content", 0.25,
			"hypothetical hypothetically fictional fiction story",
			`hypothetical(?:ly)? (?:response|scenario|story|setting|world)|(?:fictional|imaginary) (?:world|scenario|story|setting) (?:where|in which) (?:there are no|nothing is|everything is)`),

		rule("JB-013", FamilyJailbreak, "Quotes the model's refusal boilerplate (to forbid it)", 0.3,
			"sorry ai language cannot cant",
			`as an ai (?:language model|assistant|model)|as an ai (?:i|my)|as a (?:large )?language model|(?:im|i am) sorry(?: but)?(?: i| as)|i (?:cannot|cant) (?:do|help|assist|comply|provide|fulfill)`),
		rule("JB-014", FamilyJailbreak, "Says the model is no longer itself", 0.5,
			"longer",
			`you are no longer (?:chatgpt|gpt|an ai|a language model|an assistant|bound|restricted|limited|claude|bard|bing|llama)|(?:chatgpt|gpt|the assistant) (?:is|has been) (?:replaced|offline|disabled|gone)`),
		rule("JB-015", FamilyJailbreak, "Claims a special mode is switched on", 0.5,
			"mode unlocked",
			`(?:debug|debugging|developer|dev|god|admin|administrator|maintenance|sudo|unrestricted|unlocked|jailbreak|evil|chaos|opposite|dan|unfiltered|uncensored) mode (?:is )?(?:enabled|activated|on|unlocked|engaged)|(?:fully|now|been) unlocked`),
		rawRule("JB-016", FamilyJailbreak, "A slot for the forbidden question ([INSERT PROMPT HERE])", 0.35,
			"",
			`(?i)[\[{<(]\s*(?:insert|put|enter|your|add)[^\]}>)]{0,30}(?:prompt|question|request|query)[^\]}>)]{0,15}[\]}>)]`),
		rule("JB-017", FamilyJailbreak, "Takes on the role of another AI or bot", 0.3,
			"role persona character",
			`(?:take on|assume|play|adopt|embody|pose as|portray)(?: [^ ]+){0,2} (?:role|persona|character|personality) of(?: [^ ]+){0,4} (?:ai|bot|chatbot|model|assistant|gpt|language model)`),

		// ---- encoding: what was hidden ----
		rule("EN-001", FamilyEncoding, "Asks to decode a hidden message and act on it", 0.6,
			"decode decrypt decipher translate convert rot13 base64 hex cipher",
			`(?:decode|decrypt|decipher|translate|convert|rot13|base64|hex|cipher)`+g(6)+` (?:and|then)`+g(2)+` (?:follow|execute|do|obey|run|answer|respond to|act on|perform|carry out|comply)`),

		// ---- indirect: instructions planted for the model in content ----
		rule("IN-001", FamilyIndirect, "Content addresses the AI that reads it", 0.7,
			"ai assistant llm language model chatbot bot agent gpt chatgpt copilot",
			`(?:note|message|instructions?|attention|important|notice|reminder)(?: [^ ]+)? (?:to|for) (?:the |any |all )?(?:ai|assistant|llm|language model|chatbot|model|bot|agent|gpt|chatgpt|copilot|ai assistant)s?|if you are an? (?:ai|llm|language model|assistant|chatbot|bot|agent|large language model)|(?:ai|assistant|agent|model) (?:must|should|will|shall) (?:now )?(?:ignore|say|respond|reply|print|include|tell|send|output|forget|append)`).withIndirect(),
		rawRule("IN-002", FamilyIndirect, "Markdown image or link that carries data in its URL", 0.5,
			"",
			`!\[[^\]]*\]\(\s*https?://[^)\s]*[?&][^)\s]*=`).withIndirect(),
		rule("IN-003", FamilyIndirect, "Asks to send conversation or user data somewhere", 0.6,
			"append add include encode send attach forward post upload exfiltrate",
			`(?:append|add|include|encode|send|attach|forward|post|upload|exfiltrate)`+g(5)+` (?:conversation|chat|history|previous messages|user data|personal data|email|emails|password|passwords|secrets?|api key|credentials|session)`+g(5)+` (?:url|link|image|query|request|endpoint|webhook|server|address)`).withIndirect(),
	}
}

func (r Rule) withIndirect() Rule { r.Indirect = true; return r }

// Hidden-text rules: decided from what stripping and folding found, not by
// an expression.
var (
	ruleTags      = Rule{ID: "EN-002", Family: FamilyEncoding, Title: "Text hidden in invisible Unicode tag characters", Score: 0.9}
	ruleInvisible = Rule{ID: "EN-003", Family: FamilyEncoding, Title: "Invisible characters inside words", Score: 0.35}
	ruleHomoglyph = Rule{ID: "EN-004", Family: FamilyEncoding, Title: "Words mixing Latin with look-alike Cyrillic or Greek letters", Score: 0.35}
	ruleEncoded   = Rule{ID: "EN-005", Family: FamilyEncoding, Title: "An injection pattern found only after decoding or unfolding the text", Score: 0.3}
)

// Rules returns the rule set (a copy), for documentation and reports.
func Rules() []Rule {
	out := append([]Rule(nil), rules()...)
	return append(out, ruleTags, ruleInvisible, ruleHomoglyph, ruleEncoded)
}

// match reports whether r matches the view.
func (r *Rule) match(v *view) bool {
	if r.words != nil {
		n := 0
		for _, w := range r.words {
			if containsWord(v.canon, w) {
				if n++; n >= r.min {
					return true
				}
			}
		}
		return false
	}
	text := v.canon
	if r.raw {
		text = v.base
	}
	if len(r.need) > 0 {
		found := false
		for _, w := range r.need {
			if strings.Contains(text, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return r.re.MatchString(text)
}

// containsWord reports whether the words w occur in the folded text t as
// whole words.
func containsWord(t, w string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], w)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(w)
		if (s == 0 || t[s-1] == ' ') && (e == len(t) || t[e] == ' ') {
			return true
		}
		i = s + 1
	}
}
