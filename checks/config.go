package checks

import (
	"fmt"
	"github.com/lz2ct/lz2ct/words"
	"sort"
	"strings"
)

const (
	srcExistingConfig = "https://docs.aws.amazon.com/controltower/latest/userguide/existing-config-resources.html"
	srcEnrollPrereq   = "https://docs.aws.amazon.com/controltower/latest/userguide/enrollment-prerequisites.html"
	// ALZ's names for what its EnableConfig StackSet deploys in every account and region.
	alzRecorderName    = "AWS-Landing-Zone-BaselineConfigRecorder"
	alzChannelName     = "Landing-Zone-Delivery-Channel"
	alzEnableConfigSet = "AWS-Landing-Zone-Baseline-EnableConfig"
)

func init() {
	register(Check{
		ID: "config.recorders", Title: "No AWS Config recorder or delivery channel in accounts to enroll",
		Severity: Blocker, Phase: PhaseConfig,
		Reads:  "accounts[].regions[].configRecorders, deliveryChannels (governed regions); alz.stackSets (EnableConfig instances); settings governedRegions",
		Why:    "Control Tower sets up AWS Config itself: enrollment and OU registration fail while an account has a configuration recorder or delivery channel in any governed region. ALZ's own (from the EnableConfig StackSet) are removed by the plan just before each wave; others need a decision.",
		Source: srcEnrollPrereq,
		Run:    checkConfigRecorders,
	})
	register(Check{
		ID: "config.aggregators", Title: "AWS Config aggregators in accounts to enroll",
		Severity: Warning, Phase: PhaseConfig,
		Reads:  "accounts[].regions[].configAggregators",
		Why:    "Aggregators stop receiving data once the recorders are removed, and Control Tower sets up its own organization aggregator in the Audit account; existing ones should be reviewed before setup.",
		Source: srcPrereqs,
		Run:    checkConfigAggregators,
	})
	register(Check{
		ID: "config.service-linked-recorders", Title: "Service-linked Config recorders (kept)",
		Severity: Info, Phase: PhaseConfig,
		Reads:  "accounts[].regions[].configRecorders[].serviceLinked",
		Why:    "Service-linked recorders (AWSConfigurationRecorderFor…) belong to other AWS services; they do not block Control Tower and lz2ct never removes them.",
		Source: "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
		Run:    checkServiceLinkedRecorders,
	})
}

// ALZ's recorder and channel are recognised by name: its EnableConfig StackSet always names them
// the same, and a differently named recorder next to a stack instance is someone else's.
func isALZRecorder(name string) bool {
	return name == alzRecorderName || strings.HasPrefix(name, "AWS-Landing-Zone")
}

func isALZChannel(name string) bool {
	return name == alzChannelName || strings.HasPrefix(name, "Landing-Zone") || strings.HasPrefix(name, "AWS-Landing-Zone")
}

func checkConfigRecorders(in Input) []Finding {
	sc := in.scope()
	var alzAccts []Subject
	var alzEvidence []string
	alzPairs := 0
	var out []Finding
	for _, a := range sc.enroll {
		var own []string
		alzHere := false
		for _, r := range sc.governedRegionsOf(a) {
			// The names of ALZ's resources are spelled out for the first ten account-regions
			// only (the evidence quotes no more): not for every one of 10,000 accounts.
			var parts []string
			alzRegion, spell := false, len(alzEvidence) < 10
			for _, rec := range r.ConfigRecorders {
				if rec.ServiceLinked {
					continue
				}
				if isALZRecorder(rec.Name) {
					if alzRegion = true; spell {
						parts = append(parts, "recorder "+rec.Name)
					}
					continue
				}
				own = append(own, fmt.Sprintf("%s: recorder %s (recording %t)", r.Region, rec.Name, rec.Recording))
			}
			for _, ch := range r.DeliveryChannels {
				if isALZChannel(ch.Name) {
					if alzRegion = true; spell {
						parts = append(parts, "delivery channel "+ch.Name)
					}
					continue
				}
				own = append(own, fmt.Sprintf("%s: delivery channel %s (bucket %s)", r.Region, ch.Name, ch.S3BucketName))
			}
			if alzRegion {
				alzHere = true
				alzPairs++
				if spell {
					alzEvidence = append(alzEvidence, fmt.Sprintf("%s %s: %s", a.ID, r.Region, strings.Join(parts, ", ")))
				}
			}
		}
		if alzHere {
			alzAccts = append(alzAccts, accountSubject(a))
		}
		if len(own) > 0 {
			out = append(out, Finding{
				Title:    "Account " + a.ID + " has AWS Config resources that are not ALZ's",
				Subjects: []Subject{accountSubject(a)},
				Evidence: own,
				Remediation: "Delete them (aws configservice stop-configuration-recorder / delete-configuration-recorder / delete-delivery-channel, " +
					"recorder before channel) or follow AWS's procedure for enrolling accounts with existing Config resources; lz2ct removes only ALZ's.",
				Source: srcExistingConfig,
			})
		}
	}
	if len(alzAccts) > 0 {
		ev := append([]string{fmt.Sprintf("%s, %s with ALZ's recorder/delivery channel in governed regions", words.Count(len(alzAccts), "account"), words.Count(alzPairs, "account-region"))}, alzEvidence...)
		if alzPairs > len(alzEvidence) {
			ev = append(ev, fmt.Sprintf("… %d more account-regions", alzPairs-len(alzEvidence)))
		}
		how := "deletes the " + alzEnableConfigSet + " stack instances"
		if in.Settings.ConfigRemoval == "direct" {
			how = "stops and deletes the recorder, then the delivery channel"
		}
		out = append(out, Finding{
			Title:       "ALZ's AWS Config recorders and delivery channels must go before enrollment",
			Subjects:    alzAccts,
			Evidence:    ev,
			Remediation: "The plan " + how + " in each account just before its wave, so the unrecorded window stays short.",
			FixedByPlan: true,
		})
	}
	return out
}

// checkConfigAggregators looks at the accounts to enroll and at ALZ's Security and Log Archive
// accounts: those are not enrolled, but ALZ's organization aggregator usually lives in the
// Security account and stops receiving data once the recorders are removed.
func checkConfigAggregators(in Input) []Finding {
	sc := in.scope()
	accts := sc.enroll
	if alz := in.Snapshot.ALZ; alz != nil {
		ix := in.index()
		for _, id := range []string{alz.SecurityAccountID, alz.LogArchiveAccountID} {
			if a := ix.Account(id); a != nil && !sc.enrollSet[id] && id != sc.mgmtID {
				accts = append(accts[:len(accts):len(accts)], a)
			}
		}
	}
	var out []Finding
	for _, a := range accts {
		var ev []string
		for i := range a.Regions {
			r := &a.Regions[i]
			for _, ag := range r.ConfigAggregators {
				ev = append(ev, r.Region+": aggregator "+ag)
			}
		}
		if len(ev) == 0 {
			continue
		}
		out = append(out, Finding{
			Title:       "Account " + a.ID + " has AWS Config aggregators",
			Subjects:    []Subject{accountSubject(a)},
			Evidence:    ev,
			Remediation: "Review them: once the recorders are removed they collect nothing until Control Tower's Config runs; delete the ones Control Tower's Audit account aggregator replaces.",
		})
	}
	return out
}

func checkServiceLinkedRecorders(in Input) []Finding {
	var subj []Subject
	var ev []string
	for i := range in.Snapshot.Accounts {
		a := &in.Snapshot.Accounts[i]
		var names []string
		for _, r := range a.Regions {
			for _, rec := range r.ConfigRecorders {
				if rec.ServiceLinked {
					names = append(names, r.Region+" "+rec.Name)
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		subj = append(subj, accountSubject(a))
		if len(ev) < 10 {
			ev = append(ev, a.ID+": "+strings.Join(names, ", "))
		}
	}
	if len(subj) == 0 {
		return nil
	}
	return []Finding{{
		Title:       fmt.Sprintf("%s %s service-linked Config recorders; lz2ct leaves them alone", words.Count(len(subj), "account"), words.Noun(len(subj), "has", "have")),
		Subjects:    subj,
		Evidence:    ev,
		Remediation: "Nothing to do.",
	}}
}
