package wire

import (
	"net/http"
	"strconv"

	"github.com/fxamacker/cbor/v2"
)

// CloudWatch speaks Smithy RPC v2 CBOR in aws-sdk-go-v2 (service/cloudwatch
// v1.76 builds its client with rpcv2.NewCBOR). Timestamps are CBOR tag 1
// (epoch seconds), as the SDK's shape deserializer requires; nil lists are
// written empty, as AWS does.
var (
	cborEncoder = mustEncMode(cbor.EncOptions{
		Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired, NilContainers: cbor.NilContainerAsEmpty,
	})
	cborDecoder = mustDecMode(cbor.DecOptions{})
)

func mustEncMode(opts cbor.EncOptions) cbor.EncMode {
	m, err := opts.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

func mustDecMode(opts cbor.DecOptions) cbor.DecMode {
	m, err := opts.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

// WriteCBOR writes an RPC v2 CBOR body; nil is an empty structure.
func WriteCBOR(w http.ResponseWriter, status int, requestID string, v any) error {
	if v == nil {
		v = struct{}{}
	}
	body, err := cborEncoder.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// cloudWatchErrorShapes maps CloudWatch's Query error codes (what handlers
// return, and what ErrorCode() reports on the client) to the error shapes
// the SDK decodes into typed errors.
var cloudWatchErrorShapes = map[string]string{
	"ResourceNotFound":            "ResourceNotFound",
	"InvalidNextToken":            "InvalidNextToken",
	"InvalidParameterValue":       "InvalidParameterValueException",
	"InvalidParameterCombination": "InvalidParameterCombinationException",
	"MissingParameter":            "MissingRequiredParameterException",
}

// writeCBORError answers e as CloudWatch does: the error shape in __type and,
// because the service is awsQueryCompatible, the Query code in
// X-Amzn-Query-Error, which the SDK reports as the error code.
func writeCBORError(w http.ResponseWriter, requestID string, e *Error) {
	shape := e.Code
	if s, ok := cloudWatchErrorShapes[e.Code]; ok {
		shape = "com.amazonaws.cloudwatch#" + s
	}
	fault := "Sender"
	if e.Status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("X-Amzn-Query-Error", e.Code+";"+fault)
	_ = WriteCBOR(w, e.Status, requestID, map[string]string{"__type": shape, "message": e.Message})
}

// DecodeCBOR unmarshals an RPC v2 CBOR request body into v; a malformed
// body is a SerializationException.
func DecodeCBOR(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := cborDecoder.Unmarshal(body, v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "SerializationException", Message: err.Error()}
	}
	return nil
}
