package orggen_test

import (
	"fmt"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

func ExampleGenerate() {
	s, err := orggen.Generate(orggen.Params{Accounts: 200, OUs: 20, Depth: 4, Regions: 3, Seed: 7, ALZVersion: "2.4.1", ConfigShare: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(s.Accounts), "accounts,", len(s.OUs), "OUs, regions", s.Regions)
	fmt.Println("ALZ", s.ALZ.Version, "in", s.ALZ.HomeRegion, "with", len(s.ALZ.StackSets), "StackSets")
	// Output:
	// 200 accounts, 20 OUs, regions [us-east-1 us-east-2 us-west-1]
	// ALZ 2.4.1 in us-east-1 with 14 StackSets
}

// A Builder places OUs and accounts by hand; every ALZ artefact still follows from them.
func ExampleBuilder() {
	b, err := orggen.NewBuilder(orggen.Options{Seed: 1, ALZVersion: "1.0.3", HomeRegion: "eu-west-1", Regions: []string{"eu-west-1", "eu-central-1"}})
	if err != nil {
		panic(err)
	}
	apps := b.AddOU(b.RootID(), "applications")
	b.AddAccount(apps, orggen.AccountSpec{Name: "billing-prod"})
	b.AddAccount(apps, orggen.AccountSpec{Name: "acquired", Invited: true, Unreadable: true})
	s := b.Snapshot()

	ix := inventory.NewIndex(s)
	log := ix.Account(s.ALZ.LogArchiveAccountID)
	fmt.Println("log account:", log.Name, "in", ix.Path(log.ParentID))
	fmt.Println("accounts under applications:", ix.SubtreeAccountCount(apps))
	fmt.Println("problems:", len(s.Problems), s.Problems[0].Service, s.Problems[0].Operation)
	fmt.Println("contract broken:", len(orggen.CheckContract(s)) > 0)
	// Output:
	// log account: logging in core
	// accounts under applications: 2
	// problems: 1 sts AssumeRole
	// contract broken: false
}
