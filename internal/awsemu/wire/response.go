package wire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// queryNamespaces are the XML namespaces of the Query services the front answers.
var queryNamespaces = map[string]string{
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
	// CloudWatch's, as its WSDL
	// (http://monitoring.amazonaws.com/doc/2010-08-01/CloudWatch.wsdl) names it.
	"monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}

// WriteQueryResult writes <ActionResponse><ActionResult>result</ActionResult>
// <ResponseMetadata/></ActionResponse>; a nil result writes no Result element,
// as AWS does for actions without output.
func WriteQueryResult(w http.ResponseWriter, service, action, requestID string, result any) error {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: action + "Response"}}
	if ns := queryNamespaces[service]; ns != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}
	}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if result != nil {
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
	}
	metadata := struct {
		RequestID string `xml:"RequestId"`
	}{requestID}
	if err := enc.EncodeElement(metadata, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return err
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("X-Amzn-Requestid", requestID)
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteJSON writes an awsJson 1.1 (or REST-JSON) body.
func WriteJSON(w http.ResponseWriter, status int, requestID string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// WriteError shapes e for the protocol the request spoke.
func WriteError(w http.ResponseWriter, p Protocol, requestID string, e *Error) {
	switch p {
	case Query:
		faultType := "Sender"
		if e.Status >= 500 {
			faultType = "Receiver"
		}
		type errorBody struct {
			Type    string
			Code    string
			Message string
		}
		body, _ := xml.Marshal(struct {
			XMLName   xml.Name `xml:"ErrorResponse"`
			Error     errorBody
			RequestID string `xml:"RequestId"`
		}{Error: errorBody{faultType, e.Code, e.Message}, RequestID: requestID})
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-Requestid", requestID)
		w.WriteHeader(e.Status)
		_, _ = w.Write(body)
	case CBOR:
		writeCBORError(w, requestID, e)
	case JSON:
		w.Header().Set("X-Amzn-Errortype", e.Code)
		_ = WriteJSON(w, e.Status, requestID, map[string]string{"__type": e.Code, "message": e.Message})
	default:
		w.Header().Set("X-Amzn-Errortype", e.Code)
		_ = WriteJSON(w, e.Status, requestID, map[string]string{"message": e.Message, "Type": "User"})
	}
}

// WriteS3Error writes e as S3 does: REST-XML, <Error><Code>…</Code>
// <Message>…</Message><RequestId>…</RequestId></Error> (S3 API reference,
// "Error responses"), which the SDK reads for the error code.
func WriteS3Error(w http.ResponseWriter, requestID string, e *Error) {
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: e.Code, Message: e.Message, RequestID: requestID})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
