package report

// checksDoc is where every check is described; each check has a section
// there whose anchor is its ID (docs/checks.md "Check reference"). The
// SARIF rules' full descriptions are the checks' own (audit.Description).
const checksDoc = "https://github.com/rootguard/rootguard/blob/main/docs/checks.md"
