package sim

// kmsModel holds KMS key states the snapshot does not (svc_kms_mut.go).
type kmsModel struct{}
