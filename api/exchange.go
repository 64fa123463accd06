package api

// ImportReport is the answer of an import: every row's outcome. When a row
// failed, or in a dry run, nothing was written and each status says what the
// row would do.
type ImportReport struct {
	DryRun    bool        `json:"dry_run"`
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Failed    int         `json:"failed"`
	Rows      []ImportRow `json:"rows"`
}

// ImportRow is the outcome of one row of the file.
type ImportRow struct {
	// Row is the row's line number in the file, counting from 1 (the header's).
	Row    int    `json:"row" example:"2"`
	Status string `json:"status" enums:"created,updated,unchanged,error" example:"updated"`
	// ID is the project's: the one the row names, or the one it created.
	ID     string            `json:"id,omitempty" format:"uuid"`
	Errors []ImportCellError `json:"errors"`
}

// ImportCellError is one problem of one cell.
type ImportCellError struct {
	// Column is the column's Chinese header.
	Column  string `json:"column" example:"总投资（元）"`
	Field   string `json:"field" example:"total_investment_yuan"`
	Code    string `json:"code" example:"invalid_type"`
	Message string `json:"message" example:"类型错误，应为整数（元，不含小数）"`
}

// ImportFailure answers an import that wrote nothing because rows failed
// (422): problem details that carry the report.
type ImportFailure struct {
	Problem
	ImportReport
}
