// Package attachment keeps the files attached to a project as evidence
// (docs/files.md): site photos for 形象进度, scans of permits and contracts,
// each attached to the project itself, one of its approval items, one of
// its stage moves or one of its monthly reports. The content is stored once
// per SHA-256 (Blobs); an attachment is withdrawn, never deleted. The
// package knows nothing of HTTP or SQL.
package attachment

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/project"
)

// Target is what within a project an attachment belongs to.
type Target string

// The targets.
const (
	// OfProject is the project itself; its target ID is empty.
	OfProject Target = "project"
	// OfApproval is an approval item of the project (前期手续), named by its
	// item code (construction_permit).
	OfApproval Target = "approval"
	// OfTransition is a stage move of the project's history, by its ID.
	OfTransition Target = "transition"
	// OfReport is a monthly report of the project, by its period (YYYY-MM).
	OfReport Target = "report"
)

// Kind is what a file is.
type Kind string

// SitePhoto is a photo of the site (形象进度照片), which carries the
// uploader's 拍摄日期 and 地点 and its EXIF time and place.
const SitePhoto Kind = "site_photo"

// Targets lists the targets.
var Targets = []project.Label{
	{Value: string(OfProject), ZH: "项目", EN: "Project"},
	{Value: string(OfApproval), ZH: "审批事项", EN: "Approval item"},
	{Value: string(OfTransition), ZH: "阶段变更", EN: "Stage move"},
	{Value: string(OfReport), ZH: "调度报告", EN: "Dispatch report"},
}

// Kinds lists the kinds of files.
var Kinds = []project.Label{
	{Value: string(SitePhoto), ZH: "现场照片", EN: "Site photo"},
	{Value: "permit", ZH: "批复/许可证", EN: "Permit"},
	{Value: "contract", ZH: "合同", EN: "Contract"},
	{Value: "acceptance", ZH: "验收材料", EN: "Acceptance"},
	{Value: "document", ZH: "文件", EN: "Document"},
	{Value: "other", ZH: "其他", EN: "Other"},
}

// Limits of the text an attachment carries, in characters.
const (
	MaxFilename = 200
	MaxPlace    = 200
	MaxNote     = 1000
	MaxReason   = 1000
	MaxTargetID = 100
)

// EXIF is what a photo's own metadata says of when and where it was taken;
// nil members are absent from the image.
type EXIF struct {
	// TakenAt is DateTimeOriginal, read in Asia/Shanghai when the image
	// names no offset.
	TakenAt   *time.Time
	Latitude  *float64
	Longitude *float64
}

// Empty reports whether the image said nothing.
func (e EXIF) Empty() bool { return e.TakenAt == nil && e.Latitude == nil && e.Longitude == nil }

// Fields are what the uploader says of a file.
type Fields struct {
	Target   Target
	TargetID string
	Kind     Kind
	// Filename is the name as uploaded, sanitised (SafeFilename).
	Filename string
	// TakenOn (拍摄日期) and Place (地点) are the uploader's; a zero TakenOn
	// is none.
	TakenOn time.Time
	Place   string
	Note    string
}

// Attachment is a file kept as evidence of a project.
type Attachment struct {
	ID        string
	ProjectID string
	Fields
	MediaType string
	Size      int64
	SHA256    string
	EXIF      EXIF
	// UploadedBy is the uploader's name.
	UploadedBy string
	UploadedAt time.Time
	// WithdrawnAt is set once the file is withdrawn, by WithdrawnBy for
	// WithdrawReason; a withdrawn file stays listed on request and
	// downloadable.
	WithdrawnAt    *time.Time
	WithdrawnBy    string
	WithdrawReason string
	Version        int
}

// Query filters a project's attachments.
type Query struct {
	// Target and TargetID keep the files of one target (TargetID only with
	// Target); empty keeps every target.
	Target   Target
	TargetID string
	// Withdrawn keeps the withdrawn files too.
	Withdrawn bool
}

// normalize trims the text fields.
func (f *Fields) normalize() {
	f.Target = Target(strings.TrimSpace(string(f.Target)))
	f.TargetID = strings.TrimSpace(f.TargetID)
	f.Kind = Kind(strings.TrimSpace(string(f.Kind)))
	f.Place = strings.TrimSpace(f.Place)
	f.Note = strings.TrimSpace(f.Note)
	f.Filename = SafeFilename(f.Filename)
	if f.Target == "" {
		f.Target = OfProject
	}
}

// check checks the fields, naming each problem; today is the county's day.
func (f Fields) check(today time.Time) error {
	var c project.Check
	if f.Kind != SitePhoto {
		if !f.TakenOn.IsZero() {
			c.Add("taken_on", "only_when", "kind="+string(SitePhoto))
		}
		if f.Place != "" {
			c.Add("place", "only_when", "kind="+string(SitePhoto))
		}
	}
	switch {
	case f.TakenOn.IsZero():
	case f.TakenOn.After(today):
		c.Add("taken_on", "in_future", "")
	case f.TakenOn.Year() < 1900:
		c.Add("taken_on", "out_of_range", "1900-01-01..")
	}
	c.Enum("target", string(f.Target), Targets)
	c.Enum("kind", string(f.Kind), Kinds)
	switch {
	case f.Target == OfProject && f.TargetID != "":
		c.Add("target_id", "only_when", "target="+string(OfApproval)+","+string(OfTransition)+","+string(OfReport))
	case f.Target != OfProject && f.TargetID == "":
		c.Add("target_id", "required", "")
	default:
		c.Text("target_id", f.TargetID, MaxTargetID, false)
	}
	c.Text("place", f.Place, MaxPlace, false)
	c.Text("note", f.Note, MaxNote, false)
	return c.Err()
}

// SafeFilename is name as a download may name it: its last path element,
// without control or bidirectional characters (which would show a name in
// another order than it is, docs/api.md, "Strict input"), at most
// MaxFilename characters keeping the extension; "file" when nothing is
// left.
func SafeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || project.BidiControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, ". "))
	if rs := []rune(name); len(rs) > MaxFilename {
		ext := []rune(extension(name))
		if len(ext) > 20 {
			ext = nil
		}
		name = string(rs[:MaxFilename-len(ext)]) + string(ext)
	}
	if name == "" {
		return "file"
	}
	return name
}

func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}
