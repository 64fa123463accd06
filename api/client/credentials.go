package client

import (
	"context"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// NewWithClientCredentials is a client of the service at server (such as
// https://pipeline.example) that signs in as a department system: it asks
// POST /api/v1/auth/token for a token by the client credentials grant, with
// HTTP Basic, and asks again when the token expires. scopes may be empty for
// all the client's scopes. ctx is the context of the token requests.
func NewWithClientCredentials(ctx context.Context, server, clientID, clientSecret string, scopes []string, opts ...ClientOption) (*ClientWithResponses, error) {
	tokenURL, err := url.JoinPath(strings.TrimSuffix(server, "/"), "/api/v1/auth/token")
	if err != nil {
		return nil, err
	}
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL, Scopes: scopes,
		// One request per token: detecting the style would try again on a wrong
		// secret, and each failure counts towards the throttle.
		AuthStyle: oauth2.AuthStyleInHeader}
	return NewClientWithResponses(server, append([]ClientOption{WithHTTPClient(cfg.Client(ctx))}, opts...)...)
}
