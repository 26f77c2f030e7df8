package kg

// DocFeatureQueries exposes the graph-feature counts to the external
// tests, which check their query plans.
var DocFeatureQueries = map[string]string{
	"actor-linked indicators": actorLinkedIndicatorsQuery,
	"known techniques":        knownTechniquesQuery,
	"KEV vulnerabilities":     kevVulnerabilitiesQuery,
}
