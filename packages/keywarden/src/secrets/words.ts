// Words people build secrets from: placeholders left in .env files and the most common password
// stems. Matched case-insensitively, reversed and through leetspeak (P@ssw0rd), so the list stays short.
const LIST = `
change changeme replace secret secrets password passwd pass default example sample test testing
dev development prod production staging local todo fixme dummy placeholder insert your here key
keys app application session cookie keyboard cat super please abc qwerty letmein admin root
foo bar baz qux token api auth login user username guest master welcome hello world
monkey dragon sunshine princess football baseball soccer iloveyou love trustno shadow
superman batman starwars freedom whatever ninja mustang access flower hunter killer
pepper ginger summer winter spring autumn jordan michael charlie robert thomas
computer internet google apple amazon microsoft github server database redis postgres mysql
private public random string value strong long very this that with from for the and not
correct horse battery staple troubador keywarden vault byok openai secure security company
our new old one two three four five six seven eight nine ten zero
`

export const WORDS: readonly string[] = LIST.split(/\s+/).filter(Boolean)
