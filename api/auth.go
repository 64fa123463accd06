package api

// LoginRequest signs a user in.
type LoginRequest struct {
	Username string `json:"username" example:"bureau"`
	Password string `json:"password" example:"correct horse battery staple"`
}

// TokenResponse carries an access token and, for users, the refresh token
// that gets the next one.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" example:"Bearer"`
	ExpiresIn   int    `json:"expires_in" example:"900"`
	// Single use: each refresh answers a new one.
	RefreshToken string `json:"refresh_token,omitempty"`
	// The scopes granted to a client token.
	Scope string `json:"scope,omitempty" example:"projects:read projects:write"`
}

// RefreshRequest exchanges or revokes a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// OAuthError is the error body of the OAuth token endpoint (RFC 6749 §5.2).
type OAuthError struct {
	Error            string `json:"error" example:"invalid_client" enums:"invalid_request,invalid_client,invalid_scope,unsupported_grant_type"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// JWKS is the set of public keys that verify access tokens.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one Ed25519 public key (RFC 8037).
type JWK struct {
	Kty string `json:"kty" example:"OKP"`
	Crv string `json:"crv" example:"Ed25519"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use" example:"sig"`
	Alg string `json:"alg" example:"EdDSA"`
}
