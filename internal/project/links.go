package project

import (
	"context"
	"slices"
	"strconv"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// FileStore reads what the project file's rules check beyond the project
// itself: leader accounts, linked projects and plan entries. A Store that
// is also a FileStore is used as one (projectdb.Store, projecttest.Store).
type FileStore interface {
	// LeaderAccounts returns those of usernames that are accounts of
	// enabled users with the leader role.
	LeaderAccounts(ctx context.Context, usernames []string) ([]string, error)
	// Linked returns the projects in scope s linked to pr: its
	// predecessor and parent, and the projects whose predecessor or
	// parent it is.
	Linked(ctx context.Context, s Reach, pr Project) ([]Project, error)
	// Children returns the IDs of the projects whose parent is id, in any
	// scope, archived or not.
	Children(ctx context.Context, id string) ([]string, error)
	// PlanYears maps each of ids to the years whose plans hold it as an
	// entry in force.
	PlanYears(ctx context.Context, ids []string) (map[string][]int, error)
	// LockBundle locks the row of project id, in any scope, until the
	// transaction carried by ctx ends (a missing project is no error), so that
	// the writes the bundle rule checks take turns on the bundle's row.
	LockBundle(ctx context.Context, id string) error
}

// noFileStore knows no accounts and no links: a Service over a Store that
// is not a FileStore.
type noFileStore struct{}

func (noFileStore) LeaderAccounts(context.Context, []string) ([]string, error) { return nil, nil }
func (noFileStore) Linked(context.Context, Reach, Project) ([]Project, error)  { return nil, nil }
func (noFileStore) Children(context.Context, string) ([]string, error)         { return nil, nil }
func (noFileStore) PlanYears(context.Context, []string) (map[string][]int, error) {
	return nil, nil
}
func (noFileStore) LockBundle(context.Context, string) error { return nil }

// maxChain bounds the walk along predecessors that looks for a cycle.
const maxChain = 100

// Related are the projects linked to one project that a reader may read.
type Related struct {
	Predecessor *Project
	Successors  []Project
	Parent      *Project
	Children    []Project
}

// Related returns a project's phases and bundle: its predecessor and
// successors, its parent and children, those the principal may read.
func (s *Service) Related(ctx context.Context, p identity.Principal, id string) (_ Related, err error) {
	defer apperr.Wrap(&err, "project.Service.Related(%s)", id)
	if err := CanRead(p); err != nil {
		return Related{}, err
	}
	pr, err := s.store.Get(ctx, readReach(p), id)
	if err != nil {
		return Related{}, err
	}
	linked, err := s.file.Linked(ctx, readReach(p), pr)
	if err != nil {
		return Related{}, err
	}
	out := Related{Successors: []Project{}, Children: []Project{}}
	for _, l := range linked {
		switch {
		case pr.PredecessorID != nil && l.ID == *pr.PredecessorID:
			out.Predecessor = &l
		case pr.ParentID != nil && l.ID == *pr.ParentID:
			out.Parent = &l
		}
		if l.PredecessorID != nil && *l.PredecessorID == pr.ID {
			out.Successors = append(out.Successors, l)
		}
		if l.ParentID != nil && *l.ParentID == pr.ID {
			out.Children = append(out.Children, l)
		}
	}
	return out, nil
}

// checkFile checks what the project file's fields need of other records:
// the leaders' new accounts, and the links that changed from before (nil
// for a new project). id is the project's.
func (s *Service) checkFile(ctx context.Context, p identity.Principal, id string, f Fields, before *Fields) error {
	var c Check
	if err := s.checkAccounts(ctx, &c, f, before); err != nil {
		return err
	}
	if before == nil || !samePtr(f.PredecessorID, before.PredecessorID) {
		if err := s.checkPredecessor(ctx, &c, p, id, f.PredecessorID); err != nil {
			return err
		}
	}
	if before == nil || !samePtr(f.ParentID, before.ParentID) {
		if err := s.checkParent(ctx, &c, p, id, f.ParentID, before != nil); err != nil {
			return err
		}
	}
	return c.Err()
}

func samePtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// checkAccounts checks that each username the leaders newly name is a
// leader's account; those named before stay, even if the account has since
// been disabled.
func (s *Service) checkAccounts(ctx context.Context, c *Check, f Fields, before *Fields) error {
	var old []string
	if before != nil {
		old = before.Usernames()
	}
	var asked []string
	for _, u := range f.Usernames() {
		if !slices.Contains(old, u) {
			asked = append(asked, u)
		}
	}
	if len(asked) == 0 {
		return nil
	}
	known, err := s.file.LeaderAccounts(ctx, asked)
	if err != nil {
		return err
	}
	for i, l := range f.Leaders {
		if slices.Contains(asked, l.Username) && !slices.Contains(known, l.Username) {
			c.Add("leaders["+strconv.Itoa(i)+"].username", "unknown", "")
		}
	}
	return nil
}

// linked reads the project a link names within the writer's scope: one
// outside it, or none, is unknown. A project the writer only reads (as a
// cooperating unit, or a blocker's department) is outside: a link would let
// one department's project bar another's plan entries (docs/api.md).
func (s *Service) linked(ctx context.Context, c *Check, p identity.Principal, field, id string, target *string) (*Project, error) {
	if *target == id {
		c.Add(field, "self", "")
		return nil, nil
	}
	pr, err := s.store.Get(ctx, ReachOf(p), *target)
	if apperr.KindOf(err) == apperr.NotFound {
		c.Add(field, "unknown_project", "")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &pr, nil
}

// checkPredecessor checks an earlier phase: a project the writer may read,
// whose chain of predecessors does not come back to this one.
func (s *Service) checkPredecessor(ctx context.Context, c *Check, p identity.Principal, id string, pred *string) error {
	if pred == nil {
		return nil
	}
	pr, err := s.linked(ctx, c, p, "predecessor_id", id, pred)
	if pr == nil || err != nil {
		return err
	}
	for n := 0; pr.PredecessorID != nil && n < maxChain; n++ {
		if *pr.PredecessorID == id {
			c.Add("predecessor_id", "cycle", "")
			return nil
		}
		next, err := s.store.Get(ctx, Reach{All: true}, *pr.PredecessorID)
		if err != nil {
			return err
		}
		pr = &next
	}
	return nil
}

// checkParent checks a bundle: a project the writer may read that has no
// parent itself, of a project that is no parent (exists says whether it may
// have children), and never both it and the child entries of one year's plan.
func (s *Service) checkParent(ctx context.Context, c *Check, p identity.Principal, id string, parent *string, exists bool) error {
	if parent == nil {
		return nil
	}
	// The bundle's row first: a concurrent link to it or entry of it
	// commits before the reads below or waits for this write (docs/plan.md).
	if err := s.file.LockBundle(ctx, *parent); err != nil {
		return err
	}
	pr, err := s.linked(ctx, c, p, "parent_id", id, parent)
	if pr == nil || err != nil {
		return err
	}
	if pr.ParentID != nil {
		c.Add("parent_id", "nested", *pr.ParentID)
		return nil
	}
	if !exists {
		return nil
	}
	children, err := s.file.Children(ctx, id)
	if err != nil {
		return err
	}
	if len(children) > 0 {
		c.Add("parent_id", "has_children", "")
		return nil
	}
	years, err := s.file.PlanYears(ctx, []string{id, pr.ID})
	if err != nil {
		return err
	}
	for _, y := range years[id] {
		if slices.Contains(years[pr.ID], y) {
			c.Add("parent_id", "both_planned", strconv.Itoa(y))
			return nil
		}
	}
	return nil
}

// errBundlePlanned refuses a plan entry of a project whose parent or child
// is an entry of the same year (docs/plan.md): either the bundle or its
// children are entries, never both.
func errBundlePlanned(year int) error {
	return apperr.Fields([]apperr.FieldError{{Field: "project_id", Code: "both_planned", Param: strconv.Itoa(year)}})
}

// BundleClash reports, for a plan entry of pr in year about to be made,
// whether pr's parent or one of its children is an entry of that year's
// plan: Invalid naming project_id, nil otherwise. Called with pr's row
// locked (Within), it first locks the row of pr's parent (LockBundle), so
// that every write the rule checks takes turns on the bundle's row and
// reads what the other committed (docs/plan.md).
func (s *Service) BundleClash(ctx context.Context, pr Project, year int) (err error) {
	defer apperr.Wrap(&err, "project.Service.BundleClash(%s)", pr.ID)
	if err := s.LockBundle(ctx, pr); err != nil {
		return err
	}
	others, err := s.file.Children(ctx, pr.ID)
	if err != nil {
		return err
	}
	if pr.ParentID != nil {
		others = append(others, *pr.ParentID)
	}
	if len(others) == 0 {
		return nil
	}
	years, err := s.file.PlanYears(ctx, others)
	if err != nil {
		return err
	}
	for _, o := range others {
		if slices.Contains(years[o], year) {
			return errBundlePlanned(year)
		}
	}
	return nil
}

// LockBundle locks the row of pr's parent, if it has one, until the
// transaction carried by ctx ends. A caller that locks more (a year's
// plan) locks the bundle first: project, bundle, then the rest.
func (s *Service) LockBundle(ctx context.Context, pr Project) (err error) {
	defer apperr.Wrap(&err, "project.Service.LockBundle(%s)", pr.ID)
	if pr.ParentID == nil {
		return nil
	}
	return s.file.LockBundle(ctx, *pr.ParentID)
}
