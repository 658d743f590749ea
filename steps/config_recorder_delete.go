package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// config.recorder.delete: stop ALZ's Config recorder, delete its delivery channel, delete the
// recorder, in one account and region — the order AWS requires: a delivery channel cannot be
// deleted while a customer-managed recorder records (LastDeliveryChannelDeleteFailedException)
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteDeliveryChannel.html). Only the
// names the plan gives are touched: a service-linked recorder (AWSConfigurationRecorderFor…,
// recordingScope INTERNAL) belongs to its service, and a recorder or channel by another name is
// someone else's; both are reported, never deleted
// (https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html).
func init() {
	Register(Def[plans.ConfigRecorderDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.ConfigRecorderDelete) (Observation, error) {
			if p.RecorderName == "" && p.DeliveryChannelName == "" {
				return Observation{State: Done, Note: "the plan names no recorder or channel here"}, nil
			}
			c, err := configClient(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			f, err := inspectConfig(ctx, c, p)
			if err != nil {
				return Observation{}, err
			}
			where := fmt.Sprintf("account %s / %s", p.AccountID, p.Region)
			others := ""
			if len(f.others) > 0 {
				others = "; also found and left alone: " + strings.Join(f.others, ", ")
			}
			switch {
			case f.serviceLinked:
				return Observation{State: Unsafe, Note: fmt.Sprintf("recorder %s in %s is service-linked: it belongs to an AWS service and lz2ct never stops or deletes it; re-create the plan (lz2ct discover, lz2ct plan)", p.RecorderName, where)}, nil
			case !f.recorder && !f.channel:
				return Observation{State: Done, Note: "recorder and delivery channel are gone" + others}, nil
			case f.channel && len(f.otherCustomer) > 0:
				// Only one customer-managed recorder exists per region; if it is not ALZ's, the
				// channel cannot be deleted without stopping someone else's recorder.
				return Observation{State: Unsafe, Note: fmt.Sprintf("delivery channel %s in %s can be deleted only while no customer-managed recorder records, and recorder %s is not the one the plan removes: lz2ct does not stop it. Check who owns it, remove it or re-create the plan, then run lz2ct resume",
					p.DeliveryChannelName, where, strings.Join(f.otherCustomer, ", "))}, nil
			}
			var do []string
			if f.recorder && f.recording {
				do = append(do, "stop recorder "+p.RecorderName)
			}
			if f.channel {
				do = append(do, "delete delivery channel "+p.DeliveryChannelName)
			}
			if f.recorder {
				do = append(do, "delete recorder "+p.RecorderName)
			}
			return Observation{State: NotDone, Change: strings.Join(do, ", ") + " in " + where + others}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.ConfigRecorderDelete) (string, error) {
			c, err := configClient(ctx, x, p)
			if err != nil {
				return "", err
			}
			f, err := inspectConfig(ctx, c, p)
			if err != nil {
				return "", err
			}
			if f.serviceLinked {
				return "", fmt.Errorf("recorder %s became service-linked: lz2ct does not touch it", p.RecorderName)
			}
			// Each call is made only when its effect is missing, and "already gone" is fine: a run
			// resumed after a crash repeats nothing AWS already did.
			if f.recorder && f.recording {
				_, err := c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String(p.RecorderName)})
				if err != nil && !HasCode(err, "NoSuchConfigurationRecorderException") {
					return "", scpAdvice(err)
				}
			}
			if f.channel {
				_, err := c.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String(p.DeliveryChannelName)})
				if err != nil && !HasCode(err, "NoSuchDeliveryChannelException") {
					return "", scpAdvice(err)
				}
			}
			if f.recorder {
				_, err := c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String(p.RecorderName)})
				if err != nil && !HasCode(err, "NoSuchConfigurationRecorderException") {
					return "", scpAdvice(err)
				}
			}
			return "", nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.ConfigRecorderDelete) (Outputs, error) {
			if p.RecorderName == "" && p.DeliveryChannelName == "" {
				return nil, nil
			}
			c, err := configClient(ctx, x, p)
			if err != nil {
				return nil, err
			}
			f, err := inspectConfig(ctx, c, p)
			if err != nil {
				return nil, err
			}
			if f.recorder || f.channel {
				return nil, NotYet(fmt.Errorf("recorder %s or delivery channel %s is still in account %s / %s", p.RecorderName, p.DeliveryChannelName, p.AccountID, p.Region))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			// The stop may not show yet: observe and try again.
			if HasCode(err, "LastDeliveryChannelDeleteFailedException") {
				return RetryLater
			}
			return DefaultClass(err)
		},
	})
}

func configClient(ctx context.Context, x *Exec, p plans.ConfigRecorderDelete) (*configservice.Client, error) {
	cfg, err := x.Account(ctx, p.AccountID, p.Region)
	if err != nil {
		return nil, Advise(err, "lz2ct reaches account "+p.AccountID+" through "+strings.Join(awsapi.DefaultRoleNames, ", ")+": make one of them assumable from the management account, then run lz2ct resume")
	}
	return awsapi.Config(cfg), nil
}

// scpAdvice says what to do when an SCP denies a Config call: ALZ's guardrail SCPs deny exactly
// these calls, which is why the plan detaches them before this step.
func scpAdvice(err error) error {
	if HasCode(err, "AccessDeniedException") && strings.Contains(err.Error(), "service control policy") {
		return Advise(err, "an SCP denies this Config change: the plan detaches ALZ's SCPs before this step (see the scp.detach steps it depends on); detach the SCP the message names from the account or its OUs, then run lz2ct resume")
	}
	return err
}

// configFacts is the account-region's Config set-up as it concerns the plan.
type configFacts struct {
	recorder, recording, channel bool
	serviceLinked                bool     // the plan's recorder is service-linked
	otherCustomer                []string // customer-managed recorders by another name
	others                       []string // everything found that is not the plan's, in words
}

// inspectConfig reads the recorders (with their status) and delivery channels of the account and
// region.
func inspectConfig(ctx context.Context, c *configservice.Client, p plans.ConfigRecorderDelete) (configFacts, error) {
	var f configFacts
	recs, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return f, scpAdvice(err)
	}
	for _, r := range recs.ConfigurationRecorders {
		name := aws.ToString(r.Name)
		linked := r.RecordingScope == types.RecordingScopeInternal || aws.ToString(r.ServicePrincipal) != "" || strings.HasPrefix(name, "AWSConfigurationRecorderFor")
		switch {
		case name == p.RecorderName && p.RecorderName != "":
			f.recorder, f.serviceLinked = true, linked
		case linked:
			f.others = append(f.others, "service-linked recorder "+name)
		default:
			f.otherCustomer = append(f.otherCustomer, name)
			f.others = append(f.others, "recorder "+name)
		}
	}
	if f.recorder {
		st, err := c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{p.RecorderName}})
		switch {
		case HasCode(err, "NoSuchConfigurationRecorderException"):
			f.recorder = false
		case err != nil:
			return f, err
		default:
			for _, s := range st.ConfigurationRecordersStatus {
				f.recording = f.recording || s.Recording
			}
		}
	}
	chs, err := c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return f, err
	}
	for _, d := range chs.DeliveryChannels {
		if name := aws.ToString(d.Name); name == p.DeliveryChannelName && name != "" {
			f.channel = true
		} else {
			f.others = append(f.others, "delivery channel "+name)
		}
	}
	return f, nil
}
