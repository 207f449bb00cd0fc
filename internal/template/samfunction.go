package template

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// samFunctionProps are AWS::Serverless::Function's properties: translated,
// passed on to AWS::Lambda::Function, or noted.
var samFunctionProps = map[string]samProp{
	"FunctionName": propActed, "Handler": propActed, "Runtime": propActed, "CodeUri": propActed, "InlineCode": propActed,
	"ImageUri": propActed, "PackageType": propActed, "Timeout": propActed, "MemorySize": propActed, "Environment": propActed,
	"Architectures": propActed, "ReservedConcurrentExecutions": propActed, "Role": propActed, "Events": propActed,
	"AutoPublishAlias": propActed, "Description": propPass, "Tags": propPass,
	"Layers": propNoted, "Policies": propNoted, "AssumeRolePolicyDocument": propNoted, "RolePath": propNoted,
	"PermissionsBoundary": propNoted, "PropagateTags": propNoted, "Tracing": propNoted, "KmsKeyArn": propNoted,
	"DeadLetterQueue": propNoted, "VpcConfig": propNoted, "DeploymentPreference": propNoted, "EventInvokeConfig": propNoted,
	"EphemeralStorage": propNoted, "AutoPublishCodeSha256": propNoted, "AutoPublishAliasAllProperties": propNoted,
	"VersionDescription": propNoted, "ProvisionedConcurrencyConfig": propNoted, "FileSystemConfigs": propNoted,
	"ImageConfig": propNoted, "CodeSigningConfigArn": propNoted, "SnapStart": propNoted, "FunctionUrlConfig": propNoted,
	"RuntimeManagementConfig": propNoted, "LoggingConfig": propNoted, "RecursiveLoop": propNoted, "SourceKMSKeyArn": propNoted,
	"CapacityProviderConfig": propNoted, "FunctionScalingConfig": propNoted, "VersionDeletionPolicy": propNoted,
	"PublishToLatestPublished": propNoted, "TenancyConfig": propNoted, "DurableConfig": propNoted,
}

// samEventTypes are the event sources SAM knows; apigw serves Api and
// HttpApi.
var samEventTypes = []string{
	"Api", "HttpApi", "S3", "SNS", "Kinesis", "DynamoDB", "SQS", "Schedule", "ScheduleV2", "CloudWatchEvent",
	"EventBridgeRule", "CloudWatchLogs", "IoTRule", "AlexaSkill", "Cognito", "MSK", "MQ", "SelfManagedKafka", "DocumentDB",
}

// userAttrs are the resource attributes a SAM resource passes on to the
// main resource it generates.
func (r *samRes) userAttrs() []ment {
	var out []ment
	for _, k := range []string{"DependsOn", "Condition", "Metadata", "DeletionPolicy", "UpdateReplacePolicy"} {
		if e := r.decl.entry(k); e != nil {
			out = append(out, ment{key: k, p: e.pos(), val: leaf(e.val)})
		}
	}
	return out
}

var aliasRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

func (t *samT) function(r *samRes) {
	t.checkProps(r, samFunctionProps)
	fn := mmap(r.propsAt)
	for _, k := range []string{"FunctionName", "Handler", "Runtime", "Description", "MemorySize", "Timeout", "Environment",
		"ReservedConcurrentExecutions", "Layers", "PackageType", "Architectures"} {
		passProps(r, fn, k)
	}
	if code := t.functionCode(r); code != nil {
		fn.set("Code", code.p, code)
	}
	var role *mnode
	if e := r.props.entry("Role"); e != nil {
		fn.set("Role", e.pos(), leaf(e.val))
	} else {
		p := r.key
		fn.set("Role", p, mgetatt(p, r.id+"Role", "Arn"))
		role = samRole(p)
	}
	if tags := r.props.get("Tags"); tags != nil {
		fn.set("Tags", nodePos(tags), tagList(tags, "lambda:createdBy", "SAM"))
	}
	t.emit(r.id, r.id, r.key, "AWS::Lambda::Function", fn, r.userAttrs()...)
	if role != nil {
		t.emit(r.id, r.id+"Role", r.key, "AWS::IAM::Role", role, r.condAttr())
	}
	target := "${" + r.id + ".Arn}"
	if aliasNode, ap := r.prop("AutoPublishAlias"); aliasNode != nil {
		if alias := t.autoPublish(r, fn, aliasNode, ap); alias != "" {
			target = "${" + alias + "}"
		}
	}
	t.events(r, target)
}

// samRole is the execution role SAM makes for a function without Role.
func samRole(p Pos) *mnode {
	props := mmap(p)
	doc := props.set("AssumeRolePolicyDocument", p, mmap(p))
	doc.set("Version", p, mstr(p, "2012-10-17"))
	st := mmap(p)
	st.set("Action", p, mseq(p, mstr(p, "sts:AssumeRole")))
	st.set("Effect", p, mstr(p, "Allow"))
	pr := st.set("Principal", p, mmap(p))
	pr.set("Service", p, mseq(p, mstr(p, "lambda.amazonaws.com")))
	doc.set("Statement", p, mseq(p, st))
	props.set("ManagedPolicyArns", p, mseq(p, msub(p, "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")))
	tag := mmap(p)
	tag.set("Key", p, mstr(p, "lambda:createdBy"))
	tag.set("Value", p, mstr(p, "SAM"))
	props.set("Tags", p, mseq(p, tag))
	return props
}

// autoPublish makes the version (and the alias, when the model serves
// aliases) of AutoPublishAlias; it returns the alias's logical ID when the
// integrations call it, else "".
func (t *samT) autoPublish(r *samRes, fn *mnode, n *node, p Pos) string {
	name, ok := t.literal(n)
	if !ok {
		t.errAt(p, r.id, "Properties.AutoPublishAlias", "'AutoPublishAlias' must be a string or a Ref to a template parameter")
		return ""
	}
	if !aliasRE.MatchString(name) || strings.Trim(name, "0123456789") == "" {
		t.errAt(p, r.id, "Properties.AutoPublishAlias", "AutoPublishAlias name ('%s') must contain only alphanumeric characters, hyphens, or underscores matching (?!^[0-9]+$)([a-zA-Z0-9-_]+) pattern.", name)
		return ""
	}
	var hashIn strings.Builder
	for _, k := range []string{"Code", "Environment", "MemorySize"} {
		if v := fn.get(k); v != nil {
			hashIn.WriteString(canon(v.freeze()))
		}
	}
	version := r.id + "Version" + hashOf(hashIn.String())[:10]
	vp := mmap(p)
	vp.set("FunctionName", p, mref(p, r.id))
	if d := r.props.entry("VersionDescription"); d != nil {
		vp.set("Description", d.pos(), leaf(d.val))
	}
	attrs := []ment{r.condAttr(), {key: "DeletionPolicy", p: p, val: mstr(p, "Retain")}}
	t.emit(r.id, version, p, "AWS::Lambda::Version", vp, attrs...)
	t.refs[r.id+".Version"] = samRef{id: version}
	if !t.aliasServed {
		t.refs[r.id+".Alias"] = samRef{id: r.id, alias: name}
		t.note("%s: AutoPublishAlias %s: the API integrations call the function itself, as apigw runs one version of it (AWS::Lambda::Alias is not served); %s.Alias gives the alias's ARN", r.id, name, r.id)
		return ""
	}
	alias := r.id + "Alias" + strings.NewReplacer("-", "D", "_", "U").Replace(name)
	ap := mmap(p)
	ap.set("Name", p, mstr(p, name))
	ap.set("FunctionName", p, mref(p, r.id))
	ap.set("FunctionVersion", p, mgetatt(p, version, "Version"))
	t.emit(r.id, alias, p, "AWS::Lambda::Alias", ap, r.condAttr())
	t.refs[r.id+".Alias"] = samRef{id: alias}
	return alias
}

// functionCode makes the Code of the function from InlineCode, CodeUri or
// ImageUri; nil after reporting why there is none.
func (t *samT) functionCode(r *samRes) *mnode {
	pt, _ := t.literal(r.props.get("PackageType"))
	if pt == "Image" {
		img, p := r.prop("ImageUri")
		if img == nil {
			t.errAt(r.propsAt, r.id, "Properties.ImageUri", "'ImageUri' must be set (PackageType is Image)")
			return nil
		}
		m := mmap(p)
		m.set("ImageUri", p, leaf(img))
		return m
	}
	if e := r.props.entry("InlineCode"); e != nil {
		if r.props.entry("CodeUri") != nil {
			t.note("%s: both InlineCode and CodeUri are set: the function runs InlineCode (as SAM does)", r.id)
		}
		m := mmap(e.pos())
		m.set("ZipFile", e.pos(), leaf(e.val))
		return m
	}
	e := r.props.entry("CodeUri")
	if e == nil {
		// SAM CLI runs (and sam deploy packages) the template's folder
		// (its DEFAULT_CODEURI "."); sam init's templates rely on it.
		t.note("%s: no CodeUri: the function's code is the template's folder, as SAM CLI takes it", r.id)
		return mstr(r.propsAt, ".")
	}
	v := e.val
	prop := "Properties.CodeUri"
	if v.kind == nMap {
		m := mmap(nodePos(v))
		for _, k := range []string{"Bucket=>S3Bucket", "Key=>S3Key", "Version=>S3ObjectVersion"} {
			from, to, _ := strings.Cut(k, "=>")
			if x := v.entry(from); x != nil {
				m.set(to, x.pos(), leaf(x.val))
			}
		}
		for _, x := range v.ents {
			if x.key != "Bucket" && x.key != "Key" && x.key != "Version" {
				t.errAt(x.pos(), r.id, prop+"."+x.key, "CodeUri takes Bucket, Key and Version, not %s", x.key)
			}
		}
		if v.get("Bucket") == nil || v.get("Key") == nil {
			t.errAt(e.pos(), r.id, prop, "'CodeUri' requires Bucket and Key properties to be specified.")
		}
		return m
	}
	text, ok := t.literal(v)
	if !ok || text == "" {
		if v.kind != nInvalid {
			t.errAt(e.pos(), r.id, prop, "CodeUri must be the path of a local folder or .zip file (relative to the template), an s3:// URI or {Bucket, Key}, not %s", v.describe())
		}
		return nil
	}
	p := nodePos(v)
	if rest, isS3 := strings.CutPrefix(text, "s3://"); isS3 {
		bucket, key, _ := strings.Cut(rest, "/")
		m := mmap(p)
		var version string
		if k, q, hasQ := strings.Cut(key, "?"); hasQ {
			key = k
			if vals, err := url.ParseQuery(q); err == nil {
				version = vals.Get("versionId")
			}
		}
		if bucket == "" || key == "" {
			t.errAt(e.pos(), r.id, prop, "'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter.")
			return nil
		}
		m.set("S3Bucket", p, mstr(p, bucket))
		m.set("S3Key", p, mstr(p, key))
		if version != "" {
			m.set("S3ObjectVersion", p, mstr(p, version))
		}
		return m
	}
	local := strings.TrimPrefix(text, "file://")
	file := filepath.FromSlash(local)
	if !filepath.IsAbs(file) {
		base := p.File
		if base == "" {
			base = t.s.file
		}
		file = filepath.Join(filepath.Dir(base), file)
		if p.File != "" && p.File != t.s.file {
			local = file // written in an included file: relative to it
		}
	}
	st, err := os.Stat(file)
	switch {
	case err != nil:
		what := "no such folder or file"
		if !os.IsNotExist(err) {
			what = err.Error()
		}
		t.errAt(p, r.id, prop, "CodeUri %s: %s (%s): CodeUri is the function's code, a local folder or .zip file relative to the template", text, what, file)
		return nil
	case !st.IsDir() && !strings.EqualFold(filepath.Ext(file), ".zip") && !strings.EqualFold(filepath.Ext(file), ".jar"):
		t.errAt(p, r.id, prop, "CodeUri %s is a file but not a .zip archive: CodeUri is a folder or a .zip file", text)
		return nil
	}
	return mstr(p, local)
}

// events translates a function's Events: Api and HttpApi events become
// routes of their APIs; others are noted. target is what the integrations
// call (${Fn.Arn}, or ${alias}).
func (t *samT) events(r *samRes, target string) {
	evs, ep := r.prop("Events")
	if evs == nil {
		return
	}
	if evs.kind != nMap {
		if evs.kind != nInvalid && !(evs.kind == nScalar && evs.sk == Null) {
			t.errAt(ep, r.id, "Properties.Events", "Events must be a map of events, not %s", evs.describe())
		}
		return
	}
	var other []string
	for _, e := range evs.ents {
		prop := "Properties.Events." + e.key
		ev := e.val
		if ev.kind != nMap {
			if ev.kind != nInvalid {
				t.errAt(e.pos(), r.id, prop, "an event must be a map with Type and Properties, not %s", ev.describe())
			}
			continue
		}
		if !isAlphanumeric(e.key) {
			t.errAt(e.pos(), r.id, prop, "the event name %s must be alphanumeric (SAM makes logical IDs of it)", e.key)
			continue
		}
		te := ev.entry("Type")
		if te == nil || !te.val.isString() {
			t.errAt(e.pos(), r.id, prop+".Type", "the event has no Type (Api, HttpApi, Schedule, SQS, ...)")
			continue
		}
		for _, k := range ev.ents {
			if k.key != "Type" && k.key != "Properties" && k.key != "Condition" {
				t.errAt(k.pos(), r.id, prop+"."+k.key, "an event takes Type and Properties, not %s", k.key)
			}
		}
		props := ev.get("Properties")
		if props == nil || props.kind == nScalar && props.sk == Null {
			props = &node{kind: nMap, idx: map[string]int{}, file: e.file, line: e.line, col: e.col, size: 1, depth: 1}
		} else if props.kind != nMap {
			if props.kind != nInvalid {
				t.errAt(nodePos(props), r.id, prop+".Properties", "the event's Properties must be a map, not %s", props.describe())
			}
			continue
		}
		ev2 := &samEvent{fn: r, name: e.key, key: e.pos(), props: props, prop: prop + ".Properties", target: target}
		switch te.val.text {
		case "Api":
			t.restEvent(ev2)
		case "HttpApi":
			t.httpEvent(ev2)
		default:
			found := false
			for _, k := range samEventTypes {
				found = found || k == te.val.text
			}
			if !found {
				t.errAt(te.pos(), r.id, prop+".Type", "Event type %s is not supported by SAM%s", te.val.text, didYouMean(te.val.text, samEventTypes))
				continue
			}
			other = append(other, fmt.Sprintf("%s (%s)", e.key, te.val.text))
		}
	}
	if len(other) > 0 {
		t.note("%s: Events %s: not run locally (apigw serves the Api and HttpApi events)", r.id, strings.Join(other, ", "))
	}
}

var permPathRE = regexp.MustCompile(`{[^}]*}`)

// permission is the AWS::Lambda::Permission SAM makes for an Api or
// HttpApi event (accepted, not served: apigw's APIs call their functions).
func (t *samT) permission(ev *samEvent, apiID, suffix, method, path string) {
	p := ev.key
	m := strings.ToUpper(method)
	if m == "ANY" || m == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
		m = "*"
	}
	if path == "$default" {
		path = ""
	} else if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	props := mmap(p)
	props.set("Action", p, mstr(p, "lambda:InvokeFunction"))
	fn := mref(p, ev.fn.id)
	if strings.HasPrefix(ev.target, "${") && !strings.HasSuffix(ev.target, ".Arn}") {
		fn = mref(p, strings.TrimSuffix(strings.TrimPrefix(ev.target, "${"), "}"))
	}
	props.set("FunctionName", p, fn)
	props.set("Principal", p, mstr(p, "apigateway.amazonaws.com"))
	vars := mmap(p)
	vars.set("__ApiId__", p, mref(p, apiID))
	vars.set("__Stage__", p, mstr(p, "*"))
	arn := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/" + m + permPathRE.ReplaceAllString(path, "*")
	props.set("SourceArn", p, mfn(p, "Fn::Sub", mseq(p, mstr(p, arn), vars)))
	id := ev.fn.id + ev.name + "Permission" + suffix
	if !t.ids[id] {
		t.emit(ev.fn.id, id, p, "AWS::Lambda::Permission", props, ev.fn.condAttr())
	}
}

// samEvent is one Api or HttpApi event of a function.
type samEvent struct {
	fn     *samRes
	name   string
	key    Pos   // where the event's name is
	props  *node // its Properties (a map)
	prop   string
	target string // ${Fn.Arn} or ${Alias}
}

func (ev *samEvent) get(name string) (*node, Pos) {
	if e := ev.props.entry(name); e != nil {
		return e.val, e.pos()
	}
	return nil, ev.key
}

func (t *samT) evErr(ev *samEvent, p Pos, sub, format string, args ...any) {
	prop := ev.prop
	if sub != "" {
		prop += "." + sub
	}
	t.errAt(p, ev.fn.id, prop, format, args...)
}

// checkEventProps reports the properties SAM does not know for an event
// type; noted ones are noted.
func (t *samT) checkEventProps(ev *samEvent, typ string, known map[string]samProp) {
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	var noted []string
	for _, e := range ev.props.ents {
		kind, ok := known[e.key]
		switch {
		case !ok:
			t.evErr(ev, e.pos(), e.key, "property %s is not defined for an event of type %s%s", e.key, typ, didYouMean(e.key, names))
		case kind == propNoted:
			noted = append(noted, e.key)
		}
	}
	if len(noted) > 0 {
		t.note("%s: Events.%s: %s accepted, not applied locally", ev.fn.id, ev.name, strings.Join(noted, ", "))
	}
}

// ---- SimpleTable, LayerVersion, StateMachine ----

var samTableProps = map[string]samProp{
	"PrimaryKey": propActed, "ProvisionedThroughput": propActed, "TableName": propActed, "Tags": propActed,
	"SSESpecification": propActed, "PointInTimeRecoverySpecification": propActed,
}

func (t *samT) simpleTable(r *samRes) {
	t.checkProps(r, samTableProps)
	p := r.propsAt
	props := mmap(p)
	name, typ := mstr(p, "id"), "S"
	if pk, pp := r.prop("PrimaryKey"); pk != nil {
		if pk.kind != nMap {
			t.errAt(pp, r.id, "Properties.PrimaryKey", "PrimaryKey must be a map {Name, Type}, not %s", pk.describe())
		} else {
			if n := pk.get("Name"); n != nil {
				name = leaf(n)
			}
			if ty, ok := t.literal(pk.get("Type")); ok {
				switch ty {
				case "String":
					typ = "S"
				case "Number":
					typ = "N"
				case "Binary":
					typ = "B"
				default:
					t.errAt(pp, r.id, "Properties.PrimaryKey.Type", "PrimaryKey Type must be String, Number or Binary, not %s", ty)
				}
			}
		}
	}
	ad := mmap(p)
	ad.set("AttributeName", p, name)
	ad.set("AttributeType", p, mstr(p, typ))
	props.set("AttributeDefinitions", p, mseq(p, ad))
	ks := mmap(p)
	ks.set("AttributeName", p, name.clone())
	ks.set("KeyType", p, mstr(p, "HASH"))
	props.set("KeySchema", p, mseq(p, ks))
	if e := r.props.entry("ProvisionedThroughput"); e != nil {
		props.set("ProvisionedThroughput", e.pos(), leaf(e.val))
	} else {
		props.set("BillingMode", p, mstr(p, "PAY_PER_REQUEST"))
	}
	passProps(r, props, "TableName", "SSESpecification", "PointInTimeRecoverySpecification")
	if tags := r.props.get("Tags"); tags != nil {
		props.set("Tags", nodePos(tags), tagList(tags))
	}
	t.emit(r.id, r.id, r.key, "AWS::DynamoDB::Table", props, r.userAttrs()...)
}

var samLayerProps = map[string]samProp{
	"LayerName": propActed, "Description": propActed, "ContentUri": propActed, "CompatibleRuntimes": propActed,
	"CompatibleArchitectures": propActed, "LicenseInfo": propActed, "RetentionPolicy": propNoted, "PublishLambdaVersion": propNoted,
}

func (t *samT) layerVersion(r *samRes) {
	t.checkProps(r, samLayerProps)
	props := mmap(r.propsAt)
	if _, ok := r.props.idx["LayerName"]; ok {
		passProps(r, props, "LayerName")
	} else {
		props.set("LayerName", r.key, mstr(r.key, r.id))
	}
	passProps(r, props, "Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo", "ContentUri=>Content")
	t.emit(r.id, r.id, r.key, "AWS::Lambda::LayerVersion", props, r.userAttrs()...)
	t.note("%s (AWS::Serverless::LayerVersion): accepted; apigw does not add layers to the functions' code (put what a function needs in its CodeUri)", r.id)
}

func (t *samT) stateMachine(r *samRes) {
	t.checkAttrs(r)
	if evs := r.props.get("Events"); evs != nil && evs.kind == nMap {
		for _, e := range evs.ents {
			if ty := e.val.get("Type"); ty.isString() && (ty.text == "Api" || ty.text == "HttpApi") {
				t.errAt(e.pos(), r.id, "Properties.Events."+e.key, "an %s event of a state machine needs an AWS service integration (Step Functions), which apigw does not run", ty.text)
			}
		}
	}
	props := mmap(r.propsAt)
	passProps(r, props, "Name=>StateMachineName")
	t.emit(r.id, r.id, r.key, "AWS::StepFunctions::StateMachine", props, r.userAttrs()...)
}
