package deploy

import (
	"errors"
	"testing"

	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

func TestOrgFlagsNeedOrg(t *testing.T) {
	for _, args := range [][]string{{"--ou", "ou-abcd-12345678"}, {"--hub-account", "222222222222"}} {
		ios, _, _, _ := iostreams.Test()
		ran := false
		cmd := NewCmdDeploy(&cmdutil.Factory{IOStreams: ios}, func(*Options) error { ran = true; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(ios.Out)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		var ue *cmdutil.UsageError
		if !errors.As(err, &ue) || ran {
			t.Errorf("%v without --org: err = %v, ran = %v; want a usage error", args, err, ran)
		}
	}
}
