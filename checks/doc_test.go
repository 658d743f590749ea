package checks

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/checks.md")

const docsFile = "../docs/checks.md"

// TestDocsCatalogue keeps the catalogue in docs/checks.md equal to Catalogue().
func TestDocsCatalogue(t *testing.T) {
	var gen bytes.Buffer
	if err := WriteCatalogue(&gen); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, CatalogueBegin), strings.Index(doc, CatalogueEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the catalogue markers", docsFile)
	}
	current := doc[i+len(CatalogueBegin) : j]
	want := "\n" + gen.String() + "\n"
	if current == want {
		return
	}
	if *update {
		if err := os.WriteFile(docsFile, []byte(doc[:i+len(CatalogueBegin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/checks.md is out of date with Catalogue(): run go test ./checks -run TestDocsCatalogue -update")
	for _, c := range Catalogue() {
		if !strings.Contains(current, "### "+c.ID+"\n") {
			t.Errorf("missing check %s", c.ID)
		}
	}
}
