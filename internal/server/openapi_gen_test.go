package server_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/server"
)

// TestWriteOpenAPI regenerates docs/server/openapi.json when CATALOG_WRITE_OPENAPI is set
// (make openapi); TestHealthMetricsOpenAPI checks that the committed file is current.
func TestWriteOpenAPI(t *testing.T) {
	if os.Getenv("CATALOG_WRITE_OPENAPI") == "" {
		t.Skip("set CATALOG_WRITE_OPENAPI=1 to regenerate docs/server/openapi.json")
	}
	doc := server.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil))).OpenAPI()
	if err := os.WriteFile("../../docs/server/openapi.json", doc, 0o644); err != nil {
		t.Fatal(err)
	}
}
