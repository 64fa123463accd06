package api

// User is a person who signs in. The password is never answered.
type User struct {
	ID         string `json:"id" format:"uuid"`
	Username   string `json:"username" example:"energy_editor"`
	Role       string `json:"role" enums:"admin,bureau,leader,dept_editor,dept_viewer"`
	Department string `json:"department" example:"energy"`
	Disabled   bool   `json:"disabled"`
	Version    int    `json:"version"`
	CreatedAt  string `json:"created_at" format:"date-time"`
	UpdatedAt  string `json:"updated_at" format:"date-time"`
}

// UserCreate creates a user.
type UserCreate struct {
	Username string `json:"username" example:"energy_editor"`
	// At least 12 characters.
	Password   string `json:"password"`
	Role       string `json:"role" enums:"admin,bureau,leader,dept_editor,dept_viewer"`
	Department string `json:"department" example:"energy"`
}

// UserPatch is a merge patch of a user (docs/api.md, "PATCH"): every member
// is optional, null clears department, and role, disabled and password
// cannot be cleared.
type UserPatch struct {
	Role *string `json:"role,omitempty" enums:"admin,bureau,leader,dept_editor,dept_viewer"`
	// Null clears it; a department role must keep one.
	Department *string `json:"department,omitempty" extensions:"x-nullable"`
	Disabled   *bool   `json:"disabled,omitempty"`
	Password   *string `json:"password,omitempty"`
}

// UserList lists users.
type UserList struct {
	Items      []User  `json:"items"`
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
}

// Client is a department system that signs in with client credentials.
type Client struct {
	ID         string   `json:"id" format:"uuid"`
	ClientID   string   `json:"client_id"`
	Name       string   `json:"name" example:"能源局项目系统"`
	Department string   `json:"department" example:"energy"`
	Scopes     []string `json:"scopes"`
	Disabled   bool     `json:"disabled"`
	Version    int      `json:"version"`
	CreatedAt  string   `json:"created_at" format:"date-time"`
	UpdatedAt  string   `json:"updated_at" format:"date-time"`
	// Shown once, when the client is created or its secret rotated.
	ClientSecret string `json:"client_secret,omitempty"`
}

// ClientCreate registers a client.
type ClientCreate struct {
	Name       string   `json:"name" example:"能源局项目系统"`
	Department string   `json:"department" example:"energy"`
	Scopes     []string `json:"scopes" example:"projects:read,projects:write"`
}

// ClientPatch is a merge patch of a client (docs/api.md, "PATCH"): every
// member is optional, null clears the scopes and disabled cannot be
// cleared.
type ClientPatch struct {
	Disabled *bool     `json:"disabled,omitempty"`
	Scopes   *[]string `json:"scopes,omitempty" extensions:"x-nullable"`
}

// ClientList lists clients.
type ClientList struct {
	Items      []Client `json:"items"`
	NextCursor *string  `json:"next_cursor" extensions:"x-nullable"`
}
