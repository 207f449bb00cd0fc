// Package sigv4 verifies AWS Signature Version 4 the way API Gateway's
// execute-api front end does, for AWS_IAM methods, @connections calls and the
// Lambda Invoke API (CONTRACT.md: --iam-credentials, "Signatures").
//
// LoadCredentialsFile reads the identities of an AWS shared-credentials file;
// a Verifier holds them with the region and service, and Verify takes a
// Request (a small view of an HTTP request, filled by the fasthttp data
// plane or by FromHTTP for net/http) and returns the caller's Identity or a
// Failure with API Gateway's status, x-amzn-ErrorType and message.
//
// # Canonical request
//
// The rules are those of the AWS SDK for Go v2 signer (aws/signer/v4), the
// tests' oracle: the canonical URI is the path as sent, URI-encoded once more
// (SigV4's "encode twice" for services other than S3: "%20" becomes "%2520",
// a raw "@" becomes "%40", as execute-api's own mismatch messages show), with
// no path normalisation; query names and values are decoded ("+" is a space)
// and re-encoded, then sorted after encoding; signed header values are
// trimmed with inner runs of spaces made one. See canonical.go.
//
// # Messages
//
// Word for word from API Gateway where a capture exists, otherwise from the
// AWS-wide (Coral) authentication front end as recorded against AWS:
//   - Missing Authentication Token / MissingAuthenticationTokenException:
//     aws-reference.md §2.1.
//   - "Authorization header requires 'Credential' parameter. ...
//     Authorization=<header>" / IncompleteSignatureException: aws-reference.md
//     §2.1; the error type seen from execute-api (403) in
//     aws-amplify/amplify-flutter#1539; the partial form in
//     brendanhay/amazonka#316.
//   - "'<part>' not a valid key=value pair (missing equal-sign) in
//     Authorization header: '<header>'.", "Date must be in ISO-8601 'basic
//     format'. ...", "Unsupported AWS 'algorithm': ...", "Credential must have
//     exactly 5 slash-delimited elements, ...", the terminator and scope-date
//     messages, "Found both 'X-Amz-Algorithm' ...", "AWS query-string
//     parameters must include ...": AWS responses recorded in dynalite and
//     kinesalite (mhart), not captured from execute-api itself.
//   - "The security token included in the request is invalid." /
//     UnrecognizedClientException (unknown key, wrong session token):
//     aws-reference.md §2.1 (text; the type is unconfirmed for execute-api).
//   - "The request signature we calculated does not match ... The Canonical
//     String for this request should have been ..." /
//     InvalidSignatureException: aws-reference.md §2.1 and okigan/awscurl#61
//     (execute-api captures).
//   - "Signature expired: X is now earlier than Y (Z - 5 min.)": execute-api
//     captures (aws-amplify/aws-sdk-android#253, cognitect-labs/aws-api#255);
//     "Signature not yet current: X is still later than Y (Z + 5 min.)": the
//     AWS-wide wording (RhinoSecurityLabs/IPRotate_Burp_Extension#38, from
//     API Gateway's control plane).
//   - "Credential should be scoped to a valid region. " and "Credential should
//     be scoped to correct service: 'execute-api'. ": execute-api captures
//     (Kong/insomnia#830, n8n-io/n8n#21337; the newer one has no "not
//     '<region>'").
//   - "'Host' or ':authority' must be a 'SignedHeader' in the AWS
//     Authorization.": scratchstack-aws-signature (unconfirmed).
//   - X-Amz-Expires errors and the expiry message of a presigned URL: S3's
//     wording and the Coral expiry format with X-Amz-Expires as the window
//     (unconfirmed for execute-api).
//
// # fasthttp
//
// The data plane fills a Request without copying: Method, Path from
// URI().PathOriginal(), RawQuery from URI().QueryString(), Host from Host(),
// Body from PostBody(), and Header appending the values of
// Request.Header.PeekAll(name). Verify keeps none of these after it returns.
package sigv4
