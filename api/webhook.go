package api

// Webhook is a subscription to the change feed: its events are posted to
// the URL, signed (docs/integration.md, "Webhooks").
type Webhook struct {
	ID  string `json:"id" format:"uuid" example:"0190a0b0-0000-7000-8000-0000000000f1"`
	URL string `json:"url" example:"https://energy.example.gov.cn/pipeline/hook"`
	// The event types delivered; empty delivers every type.
	Types []string `json:"types" example:"project.stage_changed,project.archived"`
	// The owner's department: its subscription receives the events that
	// department is entitled to. Empty for the bureau's, which receive every event.
	Department string `json:"department" example:"energy"`
	// Who registered it (user or client name).
	Owner       string `json:"owner" example:"energy-system"`
	Description string `json:"description" example:"能源局项目系统"`
	// Paused subscriptions are sent nothing; their deliveries wait, in order.
	Paused bool `json:"paused"`
	// Why it was paused: given with the pause, or the delivery that failed for the whole retry window.
	PausedReason string  `json:"paused_reason" example:""`
	PausedAt     *string `json:"paused_at" format:"date-time" extensions:"x-nullable"`
	// Paused for longer than the give-up window, the webhook stopped collecting events: the position of
	// the change feed after which it was given none, to pass as the feed's after to catch up; null when
	// it missed nothing. It stays after a resume, until the webhook is paused again.
	MissedAfter *string `json:"missed_after" example:"1024" extensions:"x-nullable"`
	// Until when the secret before the last rotation still signs deliveries; null without a rotation in progress.
	PreviousSecretUntil *string `json:"previous_secret_until" format:"date-time" extensions:"x-nullable"`
	Version             int     `json:"version" example:"1"`
	CreatedAt           string  `json:"created_at" format:"date-time"`
	UpdatedAt           string  `json:"updated_at" format:"date-time"`
	// The signing secret: shown once, when the webhook is created or its secret rotated.
	Secret string `json:"secret,omitempty" example:"whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
}

// WebhookCreate registers a webhook.
type WebhookCreate struct {
	// http or https; the address must not be loopback, private or link-local.
	URL string `json:"url" example:"https://energy.example.gov.cn/pipeline/hook"`
	// Event types to deliver; empty or absent delivers every type.
	Types       []string `json:"types,omitempty" example:"project.stage_changed,project.archived"`
	Description string   `json:"description,omitempty" example:"能源局项目系统"`
}

// WebhookPatch is a merge patch of a webhook (docs/api.md, "PATCH"): every
// member is optional. paused: false resumes a paused webhook.
type WebhookPatch struct {
	URL *string `json:"url,omitempty" example:"https://energy.example.gov.cn/pipeline/hook2"`
	// null or [] delivers every type.
	Types       *[]string `json:"types,omitempty" extensions:"x-nullable"`
	Description *string   `json:"description,omitempty"`
	Paused      *bool     `json:"paused,omitempty"`
	// With paused: true, the reason to show.
	PausedReason *string `json:"paused_reason,omitempty" example:"系统维护"`
}

// WebhookList is every webhook the caller may see, oldest first.
type WebhookList struct {
	Items []Webhook `json:"items"`
}

// WebhookDelivery is one event on its way to a webhook, and its attempts.
type WebhookDelivery struct {
	// Sent as X-Pipeline-Delivery, the same on every attempt and redelivery.
	ID        string `json:"id" format:"uuid"`
	EventID   string `json:"event_id" format:"uuid"`
	EventType string `json:"event_type" example:"project.stage_changed"`
	// The event's position in the feed.
	Position  string `json:"position" example:"1024"`
	ProjectID string `json:"project_id" example:"0190a0b0-0000-7000-8000-0000000000aa"`
	Status    string `json:"status" enums:"pending,delivered" example:"delivered"`
	// Attempts since the delivery was last due afresh (created, redelivered, resumed).
	Attempts int `json:"attempts" example:"1"`
	// The receiver's HTTP status at the last attempt; 0 when there was none.
	LastStatus    int     `json:"last_status" example:"204"`
	LastError     string  `json:"last_error" example:""`
	LastAttemptAt *string `json:"last_attempt_at" format:"date-time" extensions:"x-nullable"`
	// When it is tried next; null once delivered.
	NextAttemptAt *string `json:"next_attempt_at" format:"date-time" extensions:"x-nullable"`
	DeliveredAt   *string `json:"delivered_at" format:"date-time" extensions:"x-nullable"`
	CreatedAt     string  `json:"created_at" format:"date-time"`
}

// WebhookDeliveryList is a page of a webhook's delivery log, newest first.
type WebhookDeliveryList struct {
	Items []WebhookDelivery `json:"items"`
	// Opaque cursor of the next page; null on the last page.
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
}
