package wire

import (
	"net/http"
	"strings"
	"sync"
)

// restOperations names the operations of the REST-protocol services the
// emulator serves or forwards, by method and path template, so that the
// call log, fault rules and authorization see "CreateFunction" — the IAM
// action lambda:CreateFunction — rather than a path. Paths are matched with
// any trailing slash removed.
var restOperations = map[string]map[string]string{
	// AWS Account Management (REST-JSON, POST on the operation's name).
	"account": {
		"POST /listRegions":        "ListRegions",
		"POST /getRegionOptStatus": "GetRegionOptStatus",
		"POST /enableRegion":       "EnableRegion",
		"POST /disableRegion":      "DisableRegion",
	},
	// Security Hub (REST-JSON).
	"securityhub": {
		"POST /accounts":        "EnableSecurityHub",
		"GET /accounts":         "DescribeHub",
		"DELETE /accounts":      "DisableSecurityHub",
		"POST /findings/import": "BatchImportFindings",
		"POST /findings":        "GetFindings",
	},
	// EventBridge Scheduler (restJson1): its IAM actions are scheduler:<operation>.
	"scheduler": {
		"POST /schedules/{Name}":         "CreateSchedule",
		"GET /schedules/{Name}":          "GetSchedule",
		"PUT /schedules/{Name}":          "UpdateSchedule",
		"DELETE /schedules/{Name}":       "DeleteSchedule",
		"GET /schedules":                 "ListSchedules",
		"POST /schedule-groups/{Name}":   "CreateScheduleGroup",
		"GET /schedule-groups/{Name}":    "GetScheduleGroup",
		"DELETE /schedule-groups/{Name}": "DeleteScheduleGroup",
		"GET /schedule-groups":           "ListScheduleGroups",
		"GET /tags/{ResourceArn...}":     "ListTagsForResource",
	},
	"lambda": {
		"POST /2015-03-31/functions":                              "CreateFunction",
		"GET /2015-03-31/functions":                               "ListFunctions",
		"GET /2015-03-31/functions/{fn}":                          "GetFunction",
		"DELETE /2015-03-31/functions/{fn}":                       "DeleteFunction",
		"GET /2015-03-31/functions/{fn}/configuration":            "GetFunctionConfiguration",
		"PUT /2015-03-31/functions/{fn}/configuration":            "UpdateFunctionConfiguration",
		"PUT /2015-03-31/functions/{fn}/code":                     "UpdateFunctionCode",
		"POST /2015-03-31/functions/{fn}/invocations":             "Invoke",
		"POST /2015-03-31/functions/{fn}/policy":                  "AddPermission",
		"GET /2015-03-31/functions/{fn}/policy":                   "GetPolicy",
		"DELETE /2015-03-31/functions/{fn}/policy/{sid}":          "RemovePermission",
		"POST /2015-03-31/event-source-mappings":                  "CreateEventSourceMapping",
		"GET /2015-03-31/event-source-mappings":                   "ListEventSourceMappings",
		"GET /2015-03-31/event-source-mappings/{uuid}":            "GetEventSourceMapping",
		"PUT /2015-03-31/event-source-mappings/{uuid}":            "UpdateEventSourceMapping",
		"DELETE /2015-03-31/event-source-mappings/{uuid}":         "DeleteEventSourceMapping",
		"PUT /2019-09-25/functions/{fn}/event-invoke-config":      "PutFunctionEventInvokeConfig",
		"POST /2019-09-25/functions/{fn}/event-invoke-config":     "UpdateFunctionEventInvokeConfig",
		"GET /2019-09-25/functions/{fn}/event-invoke-config":      "GetFunctionEventInvokeConfig",
		"DELETE /2019-09-25/functions/{fn}/event-invoke-config":   "DeleteFunctionEventInvokeConfig",
		"GET /2019-09-25/functions/{fn}/event-invoke-config/list": "ListFunctionEventInvokeConfigs",
		"POST /2017-03-31/tags/{arn...}":                          "TagResource",
		"GET /2017-03-31/tags/{arn...}":                           "ListTags",
		"DELETE /2017-03-31/tags/{arn...}":                        "UntagResource",
	},
}

var (
	restNamesOnce sync.Once
	restNames     map[string]*http.ServeMux // service → patterns (handlers unused)
)

// RESTOperation returns the operation name of a REST request to service
// ("CreateFunction"), or "" when it is not in restOperations. (S3's are
// named by package s3.)
func RESTOperation(service string, r *http.Request) string {
	restNamesOnce.Do(func() {
		restNames = map[string]*http.ServeMux{}
		for svc, ops := range restOperations {
			mux := http.NewServeMux()
			for pattern := range ops {
				mux.Handle(pattern, http.NotFoundHandler())
			}
			restNames[svc] = mux
		}
	})
	mux := restNames[service]
	if mux == nil {
		return ""
	}
	probe := r.Clone(r.Context())
	if p := strings.TrimSuffix(probe.URL.Path, "/"); p != "" {
		probe.URL.Path = p
		probe.URL.RawPath = ""
	}
	_, pattern := mux.Handler(probe)
	return restOperations[service][pattern]
}
