package project

// StageCount is how many live (not archived) projects are at one stage in
// one category.
type StageCount struct {
	Stage    Stage
	Category Category
	Count    int64
}
