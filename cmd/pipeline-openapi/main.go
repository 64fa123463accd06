// Command pipeline-openapi writes docs/openapi.yaml, the OpenAPI 3.0.3
// document of the service, from swag's docs/swagger.json and the wire types
// of api/ (docs/api.md, "The OpenAPI document"). Run it from the module's
// root after swag init (README.md, "For developers").
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/guangling/pipeline/internal/openapi"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline-openapi:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("pipeline-openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("swagger", "docs/swagger.json", "swag's Swagger 2 document")
	types := fs.String("types", "api", "the directory of the wire types")
	out := fs.String("o", "docs/openapi.yaml", "where to write the OpenAPI 3 document")
	if err := fs.Parse(args); err != nil {
		return err
	}
	swagger, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	t, err := openapi.ReadTypes(os.DirFS(*types))
	if err != nil {
		return err
	}
	doc, err := openapi.Generate(swagger, t)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}
