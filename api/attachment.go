package api

// Attachment is a file kept as evidence of a project (docs/files.md): a
// site photo, the scan of a permit or a contract, attached to the project,
// one of its approval items, stage moves or monthly reports.
type Attachment struct {
	ID        string `json:"id" format:"uuid" example:"0190a0b0-0000-7000-8000-0000000000f1"`
	ProjectID string `json:"project_id" format:"uuid" example:"0190a0b0-0000-7000-8000-0000000000aa"`
	// What within the project the file belongs to (关联对象).
	Target string `json:"target" enums:"project,approval,transition,report" example:"transition"`
	// The target's ID (关联对象编号): an approval item's code, a stage move's ID, a report's period (YYYY-MM); empty for the project.
	TargetID string `json:"target_id" example:"0190a0b0-0000-7000-8000-0000000000b2"`
	// 文件类别.
	Kind string `json:"kind" enums:"site_photo,permit,contract,acceptance,document,other" example:"site_photo"`
	// The name as uploaded, without folders, control or bidirectional characters.
	Filename string `json:"filename" example:"主体封顶.jpg"`
	// The media type detected from the content when uploaded.
	MediaType string `json:"media_type" example:"image/jpeg"`
	SizeBytes int64  `json:"size_bytes" example:"2345678"`
	// The content's SHA-256 in hex: the download's ETag.
	SHA256 string `json:"sha256" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	// 拍摄日期, as the uploader gave it; null when not given.
	TakenOn *string `json:"taken_on" format:"date" example:"2021-06-14" extensions:"x-nullable"`
	// 地点, as the uploader gave it.
	Place string `json:"place" example:"园区北门"`
	// The photo's own EXIF DateTimeOriginal (read in Asia/Shanghai unless the image gives its offset); absent when the image has none.
	ExifTakenAt *string `json:"exif_taken_at,omitempty" format:"date-time" example:"2021-06-14T01:30:00Z"`
	// The photo's EXIF GPS latitude in degrees, north positive; absent when the image has none.
	ExifLatitude *float64 `json:"exif_latitude,omitempty" example:"39.7607"`
	// The photo's EXIF GPS longitude in degrees, east positive; absent when the image has none.
	ExifLongitude *float64 `json:"exif_longitude,omitempty" example:"114.2071"`
	// 文件说明.
	Note       string `json:"note" example:"主体结构封顶"`
	UploadedBy string `json:"uploaded_by" example:"energy_editor"`
	UploadedAt string `json:"uploaded_at" format:"date-time" example:"2021-06-15T02:00:00Z"`
	// When the file was withdrawn (撤回); null while it is not.
	WithdrawnAt    *string `json:"withdrawn_at" format:"date-time" extensions:"x-nullable"`
	WithdrawnBy    string  `json:"withdrawn_by" example:""`
	WithdrawReason string  `json:"withdraw_reason" example:""`
	// The attachment's version (its ETag): 1, then 2 once withdrawn.
	Version int `json:"version" example:"1"`
	// Where the content downloads.
	ContentURL string `json:"content_url" example:"/api/v1/attachments/0190a0b0-0000-7000-8000-0000000000f1/content"`
}

// AttachmentList is a project's files, the earliest uploaded first.
type AttachmentList struct {
	Items []Attachment `json:"items"`
}

// AttachmentWithdrawal withdraws a file: it stays kept, listed with
// include_withdrawn=true.
type AttachmentWithdrawal struct {
	// 撤回原因, 1 to 1000 characters.
	Reason string `json:"reason" example:"上传错了文件"`
}
