package api

// LoginRequest signs a user in.
type LoginRequest struct {
	Username string `json:"username" example:"bureau"`
	Password string `json:"password" example:"correct horse battery staple"`
}

// TokenResponse carries an access token.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" example:"Bearer"`
	ExpiresIn   int    `json:"expires_in" example:"900"`
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
