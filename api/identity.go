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

// UserPatch changes a user; absent fields stay.
type UserPatch struct {
	Role       *string `json:"role,omitempty" enums:"admin,bureau,leader,dept_editor,dept_viewer"`
	Department *string `json:"department,omitempty"`
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

// ClientPatch changes a client; absent fields stay.
type ClientPatch struct {
	Disabled *bool     `json:"disabled,omitempty"`
	Scopes   *[]string `json:"scopes,omitempty"`
}

// ClientList lists clients.
type ClientList struct {
	Items      []Client `json:"items"`
	NextCursor *string  `json:"next_cursor" extensions:"x-nullable"`
}
