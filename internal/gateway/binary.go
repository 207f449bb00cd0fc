package gateway

import (
	"encoding/base64"
	"errors"
)

// Content conversions of non-proxy integrations (API Gateway's "content
// type conversions"): the API's binaryMediaTypes, the request's
// Content-Type or Accept, and the integration's (or integration
// response's) ContentHandling decide whether a payload passes as it is, is
// base64-encoded into text, or is base64-decoded into bytes. Proxy
// integrations do not convert: a Lambda proxy says isBase64Encoded
// (lambda.go), HTTP_PROXY passes bytes.

const (
	convertToText   = "CONVERT_TO_TEXT"
	convertToBinary = "CONVERT_TO_BINARY"
)

var errNotBase64 = errors.New("the payload is not valid base64")

// convertPayload converts a request body for the integration request:
//
//	binary (Content-Type in binaryMediaTypes)  CONVERT_TO_TEXT    base64-encoded
//	text                                       CONVERT_TO_BINARY  base64-decoded
//	otherwise                                                     as it is
func convertPayload(body []byte, binary bool, handling string) ([]byte, error) {
	switch {
	case handling == convertToText && binary:
		return base64.StdEncoding.AppendEncode(nil, body), nil
	case handling == convertToBinary && !binary:
		return decodeBase64(body)
	}
	return body, nil
}

// convertResponse converts a backend body for the method response; the
// body is binary when the backend's Content-Type is in binaryMediaTypes,
// and the client wants binary when the first media type of its Accept is:
//
//	CONVERT_TO_TEXT     binary is base64-encoded; text stays
//	CONVERT_TO_BINARY   text is base64-decoded; binary stays
//	unset               text to a client that wants binary is decoded,
//	                    binary to one that wants text is encoded
func convertResponse(backend *backendResponse, accept []byte, binaryTypes []string, handling string) ([]byte, error) {
	body := backend.body
	binary := matchesBinary(binaryTypes, backend.resp.Header.ContentType())
	wantsBinary := acceptsBinary(binaryTypes, accept)
	encode, decode := false, false
	switch handling {
	case convertToText:
		encode = binary
	case convertToBinary:
		decode = !binary
	default:
		encode = binary && !wantsBinary
		decode = !binary && wantsBinary
	}
	switch {
	case encode:
		return base64.StdEncoding.AppendEncode(nil, body), nil
	case decode:
		out, err := decodeBase64(body)
		if err != nil {
			// API_CONFIGURATION_ERROR: "Base64 decoding failed on binary
			// data when binary support is enacted".
			return nil, err
		}
		return out, nil
	}
	return body, nil
}

func decodeBase64(b []byte) ([]byte, error) {
	out, err := base64.StdEncoding.AppendDecode(nil, b)
	if err != nil {
		return nil, errNotBase64
	}
	return out, nil
}
