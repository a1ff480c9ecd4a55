package audit

import (
	"fmt"
	"slices"
	"strings"
)

// Evidence keys for root's MFA kinds (root-mfa, root-hardware-mfa).
const (
	// EvidenceMFAKind says which kinds of MFA device root has, as far as
	// AWS shows them to the caller.
	EvidenceMFAKind = "root_mfa_kind"
	// EvidenceMFADevices lists root's devices AWS showed, each with its
	// serial and kind.
	EvidenceMFADevices = "root_mfa_devices"
)

// notVisibleToIAM is what an IAM principal cannot see: ListMFADevices
// without a user name lists the caller's own devices, and root has no user
// name, so only root itself (its credentials or an sts:AssumeRoot session)
// lists root's hardware TOTP tokens and FIDO keys; ListVirtualMFADevices
// shows virtual devices only, and the credential report says mfa_active,
// not which kind.
const notVisibleToIAM = "AWS does not tell an IAM principal which"

// rootMFAKinds describes root's MFA devices by kind, as far as AWS shows
// them to this caller, with the devices it saw. Call it only when MFA is
// enabled and the device lists were read.
func (in *inputs) rootMFAKinds() (string, []map[string]string) {
	if in.rootSession {
		var kinds []string
		var devices []map[string]string
		for _, d := range in.rootMFA {
			devices = append(devices, map[string]string{"serial": d.Serial, "kind": string(d.Kind)})
			if !slices.Contains(kinds, string(d.Kind)) {
				kinds = append(kinds, string(d.Kind))
			}
		}
		if len(kinds) == 0 {
			return "unknown: MFA is enabled but ListMFADevices listed no device", devices
		}
		return strings.Join(kinds, ", "), devices
	}
	var devices []map[string]string
	for _, d := range in.virtualMFA {
		if d.UserARN == in.rootARN() {
			devices = append(devices, map[string]string{"serial": d.Serial, "kind": string(MFAVirtual)})
		}
	}
	if len(devices) > 0 {
		return fmt.Sprintf("%s; other devices (hardware TOTP, FIDO), if any, are not visible to an IAM principal", MFAVirtual), devices
	}
	return "not virtual: a hardware TOTP token or a FIDO security key (" + notVisibleToIAM + ")", devices
}

// unknownMFAKinds lists root's devices whose serial is of no form AWS
// documents.
func (in *inputs) unknownMFAKinds() []string {
	var out []string
	for _, d := range in.rootMFA {
		if d.Kind != MFAVirtual && d.Kind != MFAFIDO && d.Kind != MFAHardwareTOTP {
			out = append(out, d.Serial)
		}
	}
	return out
}
