// Package awsemu is rootguard's local multi-account AWS: an HTTP front on
// 127.0.0.1 that unmodified aws-sdk-go-v2 clients talk to. The front models
// what rootguard needs and kumo lacks — identities per access key, STS
// (GetCallerIdentity, AssumeRole, AssumeRoot with task policies), AWS
// Organizations, and the IAM root-user surface of every account (account
// summary, credential report, access keys, MFA devices, login profile,
// signing certificates, centralized root access) — answering in AWS's wire
// formats and error shapes. Everything else is reverse-proxied to the
// process-wide kumo (github.com/sivchari/kumo), started lazily and shared.
//
// Typical use in a test:
//
//	emu, err := awsemu.New()
//	defer emu.Close()
//	org := emu.CreateOrganization("111111111111")
//	member := emu.AddAccount("222222222222", "workload")
//	org.AddAccount(member, org.RootID())
//	rootKey := member.Root().AddAccessKey(awsemu.AccessKey{LastUsed: t0, LastUsedService: "s3"})
//	admin := emu.Account("111111111111").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
//	iamClient := iam.NewFromConfig(emu.Config(admin))
//
// Scenarios (LoadScenario, SampleScenario) seed the same model from JSON.
// Fault injection (InjectFault) adds latency, throttling, 5xx, AccessDenied
// or hangs per service, action and account; the call log (Calls, CallsTo)
// records every call with its caller and key parameters.
//
// Other files of this package add services through the extension point
// described in front.go.
package awsemu
