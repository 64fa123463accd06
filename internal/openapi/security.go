package openapi

// The security schemes of the document: swag's Swagger 2 has only an apiKey
// for a bearer token, which makes a user type "Bearer " before the token.
const (
	bearerScheme = "BearerAuth"
	oauth2Scheme = "OAuth2"
)

// fixSecurity makes the bearer scheme an HTTP bearer scheme (a JWT) and
// lets every secured operation take either scheme: a user's token, or a
// department system's token from the client credentials flow.
func fixSecurity(d doc) {
	comps := obj(d["components"])
	schemes := obj(comps["securitySchemes"])
	if schemes == nil {
		return
	}
	schemes[bearerScheme] = map[string]any{
		"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
		"description": "An access token as issued by POST /api/v1/auth/login (users) or POST /api/v1/auth/token " +
			"(department systems), sent as Authorization: Bearer <token>.",
	}
	alternatives := []any{map[string]any{bearerScheme: []any{}}}
	if schemes[oauth2Scheme] != nil {
		alternatives = append(alternatives, map[string]any{oauth2Scheme: []any{}})
	}
	for _, item := range obj(d["paths"]) {
		for _, op := range obj(item) {
			o := obj(op)
			if secured(o) {
				o["security"] = alternatives
			}
		}
	}
}

// secured tells whether an operation asks for the bearer token.
func secured(op map[string]any) bool {
	for _, req := range list(op["security"]) {
		if _, ok := obj(req)[bearerScheme]; ok {
			return true
		}
	}
	return false
}

// fixInfo names the server: the document's own origin, so that the UI the
// service serves tries requests against the service that serves it.
func fixInfo(d doc) {
	d["servers"] = []any{map[string]any{
		"url":         "/",
		"description": "the service that serves this document",
	}}
}
