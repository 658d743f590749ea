package sim

import (
	"slices"

	"github.com/lz2ct/lz2ct/inventory"
)

// AWS Config's mutating operations on a recorder and a delivery channel of the calling account and
// region. Member accounts are subject to their SCPs (scp.go): ALZ's guardrail SCPs deny exactly
// these calls, which is why a plan detaches them first.
func init() {
	registerMutation("config", "StopConfigurationRecorder", configStopRecorder)
	registerMutation("config", "DeleteDeliveryChannel", configDeleteDeliveryChannel)
	registerMutation("config", "DeleteConfigurationRecorder", configDeleteRecorder)
}

// recorderARN is a configuration recorder's ARN (as DescribeConfigurationRecorders answers it).
func (c *call) recorderARN(name string) string {
	return "arn:" + c.partition() + ":config:" + c.region + ":" + c.account + ":configuration-recorder/" + name + "/" + hexOf(c.account + c.region + name)[:16]
}

// configName reads a required name member.
func (c *call) configName(member string) (string, error) {
	var in map[string]any
	if err := c.decode(&in); err != nil {
		return "", err
	}
	name, _ := in[member].(string)
	if name == "" {
		return "", errorf(400, "ValidationException", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	return name, nil
}

// recorderHere finds a recorder of the calling account and region by name.
func (c *call) recorderHere(name string) (*inventory.AccountRegion, int) {
	ar := c.here()
	if ar == nil {
		return nil, -1
	}
	return ar, slices.IndexFunc(ar.ConfigRecorders, func(r inventory.ConfigRecorder) bool { return r.Name == name })
}

func noSuchRecorder(name string) *apiError {
	return errorf(400, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name '%s'.", name)
}

// A service-linked recorder belongs to its service: only the service may stop or delete it.
// https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
func unmodifiable(name string) *apiError {
	return errorf(400, "UnmodifiableEntityException", "The configuration recorder '%s' is a service-linked configuration recorder; it can be stopped or deleted only by its service.", name)
}

// configStopRecorder stops a recorder. Audit target: <account>/<region>/<recorder name>. Stopping a
// stopped recorder succeeds. Errors as AWS: NoSuchConfigurationRecorderException,
// UnmodifiableEntityException for a service-linked recorder, AccessDeniedException from an SCP.
// https://docs.aws.amazon.com/config/latest/APIReference/API_StopConfigurationRecorder.html
func configStopRecorder(c *call) (any, error) {
	ar, i, err := c.customerRecorder("config:StopConfigurationRecorder")
	if err != nil {
		return nil, err
	}
	ar.ConfigRecorders[i].Recording = false
	return map[string]any{}, nil
}

// customerRecorder finds the recorder the request names for a change by action: the audit target
// set, an SCP's deny, NoSuchConfigurationRecorderException, and UnmodifiableEntityException for a
// service-linked recorder, in AWS's order.
func (c *call) customerRecorder(action string) (*inventory.AccountRegion, int, error) {
	name, err := c.configName("ConfigurationRecorderName")
	if err != nil {
		return nil, -1, err
	}
	if err := c.setTarget(c.account, c.region, name); err != nil {
		return nil, -1, err
	}
	ar, i := c.recorderHere(name)
	if e := c.scpDenied(action, c.recorderARN(name), ""); e != nil {
		return nil, -1, e
	}
	if i < 0 {
		return nil, -1, noSuchRecorder(name)
	}
	if ar.ConfigRecorders[i].ServiceLinked {
		return nil, -1, unmodifiable(name)
	}
	return ar, i, nil
}

// configDeleteDeliveryChannel deletes a delivery channel. Audit target: <account>/<region>/<channel
// name>. Errors as AWS: NoSuchDeliveryChannelException, LastDeliveryChannelDeleteFailedException
// while a customer-managed recorder of the region records, AccessDeniedException from an SCP.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteDeliveryChannel.html
func configDeleteDeliveryChannel(c *call) (any, error) {
	name, err := c.configName("DeliveryChannelName")
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(c.account, c.region, name); err != nil {
		return nil, err
	}
	if e := c.scpDenied("config:DeleteDeliveryChannel", "", ""); e != nil {
		return nil, e
	}
	ar := c.here()
	i := -1
	if ar != nil {
		i = slices.IndexFunc(ar.DeliveryChannels, func(d inventory.DeliveryChannel) bool { return d.Name == name })
	}
	if i < 0 {
		return nil, errorf(400, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '%s'.", name)
	}
	for _, r := range ar.ConfigRecorders {
		if r.Recording && !r.ServiceLinked {
			return nil, errorf(400, "LastDeliveryChannelDeleteFailedException",
				"Failed to delete last specified delivery channel with name '%s', because there is a running configuration recorder.", name)
		}
	}
	ar.DeliveryChannels = slices.Delete(ar.DeliveryChannels, i, i+1)
	return map[string]any{}, nil
}

// configDeleteRecorder deletes a recorder (the recorded history stays). Audit target:
// <account>/<region>/<recorder name>. Errors as AWS: NoSuchConfigurationRecorderException,
// UnmodifiableEntityException for a service-linked recorder, AccessDeniedException from an SCP.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteConfigurationRecorder.html
func configDeleteRecorder(c *call) (any, error) {
	ar, i, err := c.customerRecorder("config:DeleteConfigurationRecorder")
	if err != nil {
		return nil, err
	}
	ar.ConfigRecorders = slices.Delete(ar.ConfigRecorders, i, i+1)
	return map[string]any{}, nil
}
