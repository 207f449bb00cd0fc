package main

// A CDK cloud assembly (the cdk.out folder `cdk synth` writes): its
// manifest.json lists the stacks (artifacts of type aws:cloudformation:stack,
// each with its templateFile), the asset manifests (*.assets.json: asset
// hash -> the local folder or file it was staged from, and the S3 object
// key it is published under) and, in stages, nested assemblies. apigw
// serves one stack: its Lambda functions run from their asset folders, and
// the parameters CDK's deployment supplies get local values.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
	"github.com/apigw/apigw/internal/template"
	"go.yaml.in/yaml/v3"
)

const (
	cdkManifest = "manifest.json"
	// cdkBootstrapVersion is the value given to the bootstrap version
	// parameter (AWS::SSM::Parameter::Value<String>, default
	// /cdk-bootstrap/hnb659fds/version) that the CDK CLI reads from SSM: a
	// version every CDK v2 stack's CheckBootstrapVersion rule accepts.
	cdkBootstrapVersion = "20"
	// cdkAssetBucket stands for the bootstrap bucket of CDK v1's asset
	// parameters.
	cdkAssetBucket = "cdk-assets-local"
	// cdkMaxNesting bounds nested cloud assemblies (stages in stages).
	cdkMaxNesting = 4
)

// cdkStack is one stack of a cloud assembly.
type cdkStack struct {
	id, name string // artifact ID; stack name (properties.stackName, else the ID); "" for a template the manifest does not list
	display  string // how messages name it: its displayName (Stage/Stack), else its ID
	dir      string // the assembly's folder: asset paths are relative to it
	template string // the template file
	// manifests are the manifest and asset manifests read: their changes reload.
	manifests []string
	// assets maps an asset hash, and an S3 object key it is published
	// under, to its local folder or file (absolute).
	assets map[string]string
	// assetParams are CDK v1's AssetParameters* values (aws:cdk:asset
	// metadata), by parameter name.
	assetParams map[string]string
	// assetDirs are the folders aws:asset:path is relative to, the first
	// that has the asset winning; none: dir.
	assetDirs []string
}

type cdkAssemblyFile struct {
	Version   string                 `json:"version"`
	Artifacts map[string]cdkArtifact `json:"artifacts"`
}

type cdkArtifact struct {
	Type        string `json:"type"`
	DisplayName string `json:"displayName"`
	Properties  struct {
		TemplateFile  string `json:"templateFile"`
		StackName     string `json:"stackName"`
		File          string `json:"file"`
		DirectoryName string `json:"directoryName"`
	} `json:"properties"`
	Metadata map[string][]struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	} `json:"metadata"`
}

type cdkAssetManifestFile struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// cdkV1Asset is the data of CDK v1's aws:cdk:asset metadata entry.
type cdkV1Asset struct {
	Path                  string `json:"path"`
	ID                    string `json:"id"`
	Packaging             string `json:"packaging"`
	SourceHash            string `json:"sourceHash"`
	S3BucketParameter     string `json:"s3BucketParameter"`
	S3KeyParameter        string `json:"s3KeyParameter"`
	ArtifactHashParameter string `json:"artifactHashParameter"`
}

// cdkAssembly is what readCDKAssembly found in one folder.
type cdkAssembly struct {
	stacks    []*cdkStack // its own and its nested assemblies'
	manifests []string    // its own manifest and asset manifests
	assets    map[string]string
}

// readCDKAssembly reads the cloud assembly in dir: its stacks (those of
// nested assemblies too), asset manifests and CDK v1 asset metadata.
func readCDKAssembly(dir string, depth int) (*cdkAssembly, error) {
	mpath := filepath.Join(dir, cdkManifest)
	var mf cdkAssemblyFile
	if err := readJSONFile(mpath, "the CDK cloud assembly manifest", &mf); err != nil {
		return nil, err
	}
	a := &cdkAssembly{manifests: []string{mpath}, assets: map[string]string{}}
	ids := make([]string, 0, len(mf.Artifacts))
	for id := range mf.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		art := mf.Artifacts[id]
		if art.Type != "cdk:asset-manifest" || art.Properties.File == "" {
			continue
		}
		apath := filepath.Join(dir, art.Properties.File)
		var am cdkAssetManifestFile
		if err := readJSONFile(apath, "the CDK asset manifest", &am); err != nil {
			return nil, err
		}
		a.manifests = append(a.manifests, apath)
		for hash, f := range am.Files {
			if f.Source.Path == "" {
				continue
			}
			local := localAsset(dir, f.Source.Path)
			a.assets[hash] = local
			for _, d := range f.Destinations {
				if d.ObjectKey != "" {
					a.assets[d.ObjectKey] = local
				}
			}
		}
	}
	for _, id := range ids {
		art := mf.Artifacts[id]
		switch art.Type {
		case "aws:cloudformation:stack":
			if art.Properties.TemplateFile == "" {
				return nil, fmt.Errorf("%s: artifact %s: a stack without properties.templateFile", mpath, id)
			}
			s := &cdkStack{id: id, name: art.Properties.StackName, display: art.DisplayName, dir: dir,
				template: filepath.Join(dir, art.Properties.TemplateFile), manifests: a.manifests, assets: a.assets,
				assetParams: map[string]string{}}
			if s.name == "" {
				s.name = id
			}
			if s.display == "" {
				s.display = id
			}
			for _, entries := range art.Metadata {
				for _, e := range entries {
					if e.Type != "aws:cdk:asset" {
						continue
					}
					var v1 cdkV1Asset
					if json.Unmarshal(e.Data, &v1) != nil || v1.Path == "" {
						continue
					}
					s.addV1Asset(v1)
				}
			}
			a.stacks = append(a.stacks, s)
		case "cdk:cloud-assembly":
			if depth >= cdkMaxNesting || art.Properties.DirectoryName == "" {
				continue
			}
			nested, err := readCDKAssembly(filepath.Join(dir, art.Properties.DirectoryName), depth+1)
			if err != nil {
				return nil, err
			}
			a.stacks = append(a.stacks, nested.stacks...)
		}
	}
	return a, nil
}

// addV1Asset records a CDK v1 asset: its local path by hash, and the values
// of its three parameters as the CDK CLI would publish it.
func (s *cdkStack) addV1Asset(v1 cdkV1Asset) {
	local := localAsset(s.dir, v1.Path)
	for _, h := range []string{v1.ID, v1.SourceHash} {
		if h != "" {
			s.assets[h] = local
		}
	}
	ext := ".zip"
	if v1.Packaging == "file" {
		ext = filepath.Ext(v1.Path)
	}
	hash := v1.SourceHash
	if hash == "" {
		hash = v1.ID
	}
	if v1.S3BucketParameter != "" {
		s.assetParams[v1.S3BucketParameter] = cdkAssetBucket
	}
	if v1.S3KeyParameter != "" {
		// prefix || file name: the template joins the two into the S3 key.
		s.assetParams[v1.S3KeyParameter] = "assets/||" + v1.ID + ext
	}
	if v1.ArtifactHashParameter != "" {
		s.assetParams[v1.ArtifactHashParameter] = hash
	}
}

// localAsset is an asset's path: relative paths are relative to the
// assembly's folder.
func localAsset(dir, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

// readJSONFile reads one of the assembly's JSON files into v.
func readJSONFile(path, what string, v any) error {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return fmt.Errorf("%s: cannot read %s: %v", path, what, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1)
			return fmt.Errorf("%s:%d:%d: %s is not valid JSON: %v", path, line, col, what, err)
		}
		return fmt.Errorf("%s: %s: %v", path, what, err)
	}
	return nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	line, col = 1, 1
	for _, b := range data[:offset] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// pickCDKStack chooses the stack to serve of the cloud assembly in dir:
// the one stack that declares an API. Several are an error that names them
// and the template file to pass for each.
func pickCDKStack(dir string) (*cdkStack, []string, error) {
	a, err := readCDKAssembly(dir, 0)
	if err != nil {
		return nil, nil, err
	}
	var withAPI, without []*cdkStack
	for _, s := range a.stacks {
		p := peekTemplate(s.template)
		if p == nil {
			if _, err := os.Stat(s.template); err != nil {
				return nil, nil, fmt.Errorf("%s: stack %s: its template %s: %v", filepath.Join(dir, cdkManifest), s.display, s.template, pathError(err))
			}
			// It cannot be parsed: loading it says why.
			withAPI = append(withAPI, s)
			continue
		}
		if p.declaresAPI() {
			withAPI = append(withAPI, s)
		} else {
			without = append(without, s)
		}
	}
	displays := func(l []*cdkStack) string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = s.display
		}
		return strings.Join(out, ", ")
	}
	switch len(withAPI) {
	case 0:
		if len(a.stacks) == 0 {
			return nil, nil, fmt.Errorf("%s: the CDK cloud assembly has no stack (no artifact of type aws:cloudformation:stack in %s)", dir, cdkManifest)
		}
		return nil, nil, fmt.Errorf("%s: no stack of the CDK cloud assembly declares an API (AWS::ApiGateway::RestApi, AWS::ApiGatewayV2::Api or a SAM API): %s", dir, displays(without))
	case 1:
		s := withAPI[0]
		note := fmt.Sprintf("%s: serving CDK stack %s (%s)", dir, s.display, s.template)
		if len(without) > 0 {
			note += fmt.Sprintf("; no API in %s", displays(without))
		}
		return s, []string{note}, nil
	}
	msg := fmt.Sprintf("%s: %d stacks of the CDK cloud assembly declare APIs (%s) and apigw serves one: give its template file in place of the folder:", dir, len(withAPI), displays(withAPI))
	for _, s := range withAPI {
		msg += fmt.Sprintf("\n  %s: %s", s.display, s.template)
	}
	return nil, nil, errors.New(msg)
}

// cdkStackOf finds the stack whose template is file, when a cloud
// assembly's manifest sits next to it (nil when none does). A template the
// manifest does not list (a nested stack's) still gets the assembly's
// assets. A manifest that cannot be read is a note: the template is served
// as plain CloudFormation.
func cdkStackOf(file string) (*cdkStack, []string) {
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, cdkManifest)); err != nil {
		return nil, nil
	}
	a, err := readCDKAssembly(dir, 0)
	if err != nil {
		return nil, []string{fmt.Sprintf("%v; the template is read without CDK's conventions (asset folders, deployment parameters)", err)}
	}
	abs, _ := filepath.Abs(file)
	for _, s := range a.stacks {
		if t, _ := filepath.Abs(s.template); t == abs {
			s.template = file
			return s, nil
		}
	}
	return &cdkStack{dir: dir, template: file, manifests: a.manifests, assets: a.assets, assetParams: map[string]string{}}, nil
}

var cdkAssetParamRE = regexp.MustCompile(`^AssetParameters([0-9a-f]{64})(S3Bucket|S3VersionKey|ArtifactHash)[0-9A-F]{8}$`)

// supplyParameters gives the parameters that CDK's deployment sets, and
// that neither --param nor samconfig.toml set, their local values: the
// bootstrap version read from SSM, and CDK v1's asset parameters.
func (s *cdkStack) supplyParameters(params map[string]string, declared *peeked) []string {
	var shown []string
	assets := 0
	for _, name := range sortedKeys(declared.params) {
		if _, set := params[name]; set {
			continue
		}
		p := declared.params[name]
		v, ok := s.assetParams[name]
		if !ok {
			v, ok = s.parameterValue(name, p)
		}
		if !ok {
			continue
		}
		params[name] = v
		if strings.HasPrefix(name, "AssetParameters") {
			assets++
		} else {
			shown = append(shown, name+"="+v)
		}
	}
	if assets > 0 {
		shown = append(shown, fmt.Sprintf("%d AssetParameters* (S3 locations of the assets, served from their local folders)", assets))
	}
	if len(shown) == 0 {
		return nil
	}
	return []string{"CDK: parameters that CDK's deployment sets given local values: " + strings.Join(shown, ", ")}
}

// parameterValue is the local value of a parameter CDK's deployment sets.
func (s *cdkStack) parameterValue(name string, p peekedParam) (string, bool) {
	if strings.HasPrefix(p.typ, "AWS::SSM::Parameter::Value<") && strings.HasPrefix(p.def, "/cdk-bootstrap/") && strings.HasSuffix(p.def, "/version") {
		return cdkBootstrapVersion, true
	}
	m := cdkAssetParamRE.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	switch hash := m[1]; m[2] {
	case "S3Bucket":
		return cdkAssetBucket, true
	case "S3VersionKey":
		ext := ".zip"
		if local, ok := s.assets[hash]; ok {
			if st, err := os.Stat(local); err == nil && !st.IsDir() {
				ext = filepath.Ext(local)
			}
		}
		return "assets/||" + hash + ext, true
	default:
		return hash, true
	}
}

// functionCode finds the local code of the stack's Lambda functions: the
// asset folder their aws:asset:path metadata names (relative to the
// assembly), else the asset their Code.S3Key is published as. Functions
// for which skip is true (--config gives their code) are left alone. An
// asset that is missing is an error at its metadata.
func (s *cdkStack) functionCode(tpl *template.Template, skip func(logicalID, name string) bool) (map[string]string, template.ErrorList) {
	code := map[string]string{}
	var errs template.ErrorList
	for _, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		name := ""
		if v := r.Properties.Get("FunctionName"); v != nil && v.Kind == template.String {
			name = v.Str
		}
		if skip(r.LogicalID, name) {
			continue
		}
		if ap := r.Metadata.Get("aws:asset:path"); ap != nil && ap.Kind == template.String && ap.Str != "" {
			if prop := r.Metadata.Get("aws:asset:property"); prop != nil && prop.Kind == template.String && prop.Str != "Code" {
				continue
			}
			local, err := s.assetPath(ap.Str)
			if err != nil {
				e := &template.Error{File: r.File, Line: ap.Line, Col: ap.Col, LogicalID: r.LogicalID, Property: "Metadata.aws:asset:path",
					Msg: fmt.Sprintf("the function's CDK asset %s is not in %s: %v (run cdk synth again, or give the function's code with --config)", ap.Str, strings.Join(s.assetFolders(), " or "), pathError(err))}
				if pos, ok := r.Metadata.KeyPosition("aws:asset:path"); ok {
					e.Line, e.Col = pos.Line, pos.Col
				}
				if e.File == "" {
					e.File = tpl.File
				}
				errs = append(errs, e)
				continue
			}
			code[r.LogicalID] = local
			continue
		}
		if key := r.Properties.Get("Code").Get("S3Key"); key != nil && key.Kind == template.String {
			if local := s.assetFor(key.Str); local != "" {
				code[r.LogicalID] = local
			}
		}
	}
	return code, errs
}

// assetFor is the local asset an S3 object key names ("" when none
// exists): by the key, else by the hash that is its file name.
func (s *cdkStack) assetFor(key string) string {
	base := path.Base(key)
	for _, k := range []string{key, base, strings.TrimSuffix(base, path.Ext(base))} {
		if local, ok := s.assets[k]; ok {
			if _, err := os.Stat(local); err == nil {
				return local
			}
		}
	}
	return ""
}

// dropCDKNotes removes the notes every CDK stack would get: its
// AWS::CDK::Metadata resource, and a Rules section that only checks the
// bootstrap version.
func dropCDKNotes(notes []string, declared *peeked) []string {
	bootstrapRuleOnly := declared != nil && len(declared.rules) == 1 && declared.rules[0] == "CheckBootstrapVersion"
	out := notes[:0:0]
	for _, n := range notes {
		if strings.Contains(n, " (AWS::CDK::Metadata): ") || bootstrapRuleOnly && strings.HasPrefix(n, "Rules: not evaluated") {
			continue
		}
		out = append(out, n)
	}
	return out
}

// pathError is the reason of a file-system error, without the path.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cdkStandalone is the CDK stack of a template outside a cloud assembly
// whose resources have CDK's aws:cdk:path metadata (`cdk synth > x.yaml`,
// SAM CLI's CDK support): nil when it has none. Its asset paths are
// relative to its folder, else to a cdk.out folder next to it.
func cdkStandalone(file string) (*cdkStack, []string) {
	p := peekTemplate(file)
	if p == nil || p.cdkMark() == "" {
		return nil, nil
	}
	dir := filepath.Dir(file)
	out := filepath.Join(dir, "cdk.out")
	s := &cdkStack{dir: dir, template: file, assets: map[string]string{}, assetParams: map[string]string{},
		assetDirs: []string{dir, out}}
	return s, []string{fmt.Sprintf("%s: CDK output (%s) outside a cloud assembly: its functions run from their aws:asset:path folders, relative to %s, else to %s", file, p.cdkMark(), dir, out)}
}

// assetPath is the local folder or file of an aws:asset:path: relative to
// the first of the stack's asset folders that has it. The error is the
// first folder's.
func (s *cdkStack) assetPath(p string) (string, error) {
	var first error
	for _, d := range s.assetFolders() {
		local := localAsset(d, p)
		_, err := os.Stat(local)
		if err == nil {
			return local, nil
		}
		if first == nil {
			first = err
		}
		if filepath.IsAbs(p) {
			break
		}
	}
	return "", first
}

// assetFolders are the folders aws:asset:path is relative to.
func (s *cdkStack) assetFolders() []string {
	if len(s.assetDirs) == 0 {
		return []string{s.dir}
	}
	return s.assetDirs
}

// cdkMetadataCondition is the condition CDK puts on its CDKMetadata
// resource (true in the regions that collect CDK's metadata).
const cdkMetadataCondition = "CDKMetadataAvailable"

// supplyDeclarations adds to a CDK template the declarations it uses but
// does not declare (a template trimmed by hand, or cut from `cdk synth`'s
// output): CDK v1's AssetParameters* and the BootstrapVersion parameter,
// as CDK declares them (supplyParameters then gives their values), and the
// CDKMetadataAvailable condition, false (CDK's metadata is not deployed
// locally). The entries go at the end of the Parameters and Conditions
// maps (new sections at the end of the file), on lines of their own only
// when no blank line can take them: shift lists those. data is nil when
// nothing is missing, or the template cannot be read or changed (loading
// it then says what is unresolved).
func (s *cdkStack) supplyDeclarations(file string) (data []byte, shift lineShift, notes []string) {
	orig, err := inputfile.Read(file, inputfile.MaxSize)
	if err != nil {
		return nil, nil, nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(orig, &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, nil
	}
	root := doc.Content[0]
	refs, conds := map[string]bool{}, map[string]bool{}
	collectRefs(root, refs, conds, 0)
	declaredParams, declaredConds := mapKeys(sectionOf(root, "Parameters")), mapKeys(sectionOf(root, "Conditions"))
	var params []string
	var paramText, condText []string
	for _, name := range sortedKeys(refs) {
		if declaredParams[name] {
			continue
		}
		if decl := cdkParamDecl(name); decl != "" {
			params = append(params, name)
			paramText = append(paramText, jsonString(name)+": "+decl)
		}
	}
	if conds[cdkMetadataCondition] && !declaredConds[cdkMetadataCondition] {
		condText = append(condText, jsonString(cdkMetadataCondition)+`: {"Fn::Equals": ["cdk-metadata", "not deployed locally"]}`)
	}
	if len(paramText) == 0 && len(condText) == 0 {
		return nil, nil, nil
	}
	missing := params
	if len(condText) > 0 {
		missing = append(missing[:len(missing):len(missing)], cdkMetadataCondition)
	}
	data = orig
	for _, sec := range []struct {
		name    string
		entries []string
	}{{"Parameters", paramText}, {"Conditions", condText}} {
		if len(sec.entries) == 0 {
			continue
		}
		text := strings.Join(sec.entries, ", ")
		var ok bool
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(data) {
			data, ok = jsonSupply(data, sec.name, text)
		} else {
			var at int
			data, at, ok = yamlSupply(data, sec.name, text)
			if ok && at > 0 {
				for i, l := range shift {
					if l >= at {
						shift[i]++
					}
				}
				shift = append(shift, at)
			}
		}
		if !ok {
			return nil, nil, []string{fmt.Sprintf("CDK: %s uses %s without declaring them, and apigw could not add them to its %s section: declare them", file, strings.Join(missing, ", "), sec.name)}
		}
	}
	var what []string
	if len(params) > 0 {
		what = append(what, "parameters "+strings.Join(params, ", "))
	}
	if len(condText) > 0 {
		what = append(what, "condition "+cdkMetadataCondition+" (false: CDK's metadata is not deployed locally)")
	}
	return data, shift, []string{fmt.Sprintf("CDK: %s uses, without declaring them, what CDK's deployment declares; supplied: %s", file, strings.Join(what, "; "))}
}

// cdkParamDecl is the declaration, as JSON, that CDK gives a parameter its
// deployment sets ("" for any other name).
func cdkParamDecl(name string) string {
	if name == "BootstrapVersion" {
		return `{"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version", "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"}`
	}
	m := cdkAssetParamRE.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	desc := map[string]string{"S3Bucket": "S3 bucket for asset ", "S3VersionKey": "S3 key for asset version ", "ArtifactHash": "Artifact hash for asset "}[m[2]]
	return `{"Type": "String", "Description": ` + jsonString(desc+`"`+m[1]+`"`) + `}`
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sectionOf is the value of a top-level key (nil when absent).
func sectionOf(root *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == name {
			return root.Content[i+1]
		}
	}
	return nil
}

// mapKeys are the keys of a mapping node.
func mapKeys(n *yaml.Node) map[string]bool {
	out := map[string]bool{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = true
	}
	return out
}

var subRefRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// collectRefs gathers the names a template refers to as parameters (Ref,
// Fn::Sub) and as conditions (Condition, Fn::If), in YAML (tags) or JSON
// form. Other names are gathered too: only CDK's are looked for.
func collectRefs(n *yaml.Node, refs, conds map[string]bool, depth int) {
	if n == nil || depth > 200 {
		return
	}
	sub := func(v *yaml.Node) {
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			v = v.Content[0]
		}
		if v.Kind == yaml.ScalarNode {
			for _, m := range subRefRE.FindAllStringSubmatch(v.Value, -1) {
				refs[strings.TrimSpace(m[1])] = true
			}
		}
	}
	first := func(v *yaml.Node) {
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Content[0].Kind == yaml.ScalarNode {
			conds[v.Content[0].Value] = true
		}
	}
	switch n.Tag {
	case "!Ref":
		if n.Kind == yaml.ScalarNode {
			refs[n.Value] = true
		}
	case "!Sub":
		sub(n)
	case "!Condition":
		if n.Kind == yaml.ScalarNode {
			conds[n.Value] = true
		}
	case "!If":
		first(n)
	}
	switch n.Kind {
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			collectRefs(c, refs, conds, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "Ref":
				if v.Kind == yaml.ScalarNode {
					refs[v.Value] = true
				}
			case "Condition":
				if v.Kind == yaml.ScalarNode {
					conds[v.Value] = true
				}
			case "Fn::If":
				first(v)
			case "Fn::Sub":
				sub(v)
			}
			collectRefs(v, refs, conds, depth+1)
		}
	}
}

// jsonSupply adds entries (JSON object members) to a JSON template's
// top-level section, before its closing brace (a new section before the
// template's own): no line moves.
func jsonSupply(data []byte, section, entries string) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	at, text := -1, ""
	rootEmpty := !dec.More()
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		if k != section || at >= 0 {
			if skipJSON(dec) != nil {
				return nil, false
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, false
		}
		empty := !dec.More()
		for dec.More() {
			if _, err := dec.Token(); err != nil || skipJSON(dec) != nil {
				return nil, false
			}
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('}') {
			return nil, false
		}
		at, text = int(dec.InputOffset())-1, entries
		if !empty {
			text = ", " + text
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if at < 0 {
		at, text = int(dec.InputOffset())-1, jsonString(section)+": {"+entries+"}"
		if !rootEmpty {
			text = ", " + text
		}
	}
	out := make([]byte, 0, len(data)+len(text))
	out = append(append(append(out, data[:at]...), text...), data[at:]...)
	return out, true
}

// skipJSON reads one JSON value.
func skipJSON(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// yamlSupply adds entries (JSON object members) to a block YAML template's
// top-level section: as a merge key (<<: {entries}) in place of a blank
// or comment line at its end, or after its last line when it is the last
// section; else on a line inserted before the next section (at, numbered
// in out). A missing section is added at the end of the file.
func yamlSupply(data []byte, section, entries string) (out []byte, at int, ok bool) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return nil, 0, false
	}
	root := doc.Content[0]
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += "\n"
	}
	rootIndent := strings.Repeat(" ", root.Content[0].Column-1)
	idx := -1
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == section {
			idx = i
		}
	}
	if idx < 0 {
		out := strings.Join(lines, "") + rootIndent + section + ": {" + entries + "}\n"
		return []byte(out), 0, checkSupply([]byte(out), section, len(lines)+1, root, 0)
	}
	key, val := root.Content[idx], root.Content[idx+1]
	var indent string
	last := key.Line // the section's last key line
	switch {
	case val.Kind == yaml.MappingNode && val.Style&yaml.FlowStyle == 0 && len(val.Content) > 0:
		indent = strings.Repeat(" ", val.Content[0].Column-1)
		last = val.Content[len(val.Content)-2].Line
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null" && val.Line == key.Line:
		// "Parameters:" with no entry: the key takes them.
		l := lines[key.Line-1]
		rest := strings.TrimSpace(l[key.Column-1+len(section):])
		if !strings.HasPrefix(rest, ":") || strings.TrimSpace(strings.TrimPrefix(rest, ":")) != "" && !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(rest, ":")), "#") {
			return nil, 0, false
		}
		lines[key.Line-1] = l[:key.Column-1] + section + ": {" + entries + "}\n"
		out := []byte(strings.Join(lines, ""))
		return out, 0, checkSupply(out, section, key.Line, root, 0)
	default:
		return nil, 0, false
	}
	merge := indent + "<<: {" + entries + "}\n"
	next := len(lines) + 1 // the next section's line
	if idx+2 < len(root.Content) {
		next = root.Content[idx+2].Line
	}
	if next > len(lines) {
		out := []byte(strings.Join(lines, "") + merge)
		return out, 0, checkSupply(out, section, len(lines)+1, root, 0)
	}
	// A blank or comment line after the last entry's key, followed by no
	// line indented deeper than the entries, takes the merge key.
	for j := next - 1; j > last; j-- {
		if t := strings.TrimSpace(lines[j-1]); t != "" && !strings.HasPrefix(t, "#") {
			continue
		}
		deeper := false
		for k := j + 1; k < next; k++ {
			l := lines[k-1]
			if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			deeper = len(l)-len(strings.TrimLeft(l, " ")) > len(indent)
			break
		}
		if deeper {
			continue
		}
		try := append(append(append([]string{}, lines[:j-1]...), merge), lines[j:]...)
		out := []byte(strings.Join(try, ""))
		if checkSupply(out, section, j, root, 0) {
			return out, 0, true
		}
		break
	}
	try := append(append(append([]string{}, lines[:next-1]...), merge), lines[next-1:]...)
	out = []byte(strings.Join(try, ""))
	return out, next, checkSupply(out, section, next, root, next)
}

// checkSupply tells whether out, a template with a merge key or section
// added at line at, still parses, with the section taking the addition
// there and every other top-level key where it was (one line down from
// inserted on when a line was inserted).
func checkSupply(out []byte, section string, at int, old *yaml.Node, inserted int) bool {
	var doc yaml.Node
	if yaml.Unmarshal(out, &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return false
	}
	root := doc.Content[0]
	added := len(root.Content) - len(old.Content)
	if added != 0 && added != 2 {
		return false
	}
	for i := 0; i < len(old.Content); i += 2 {
		line := old.Content[i].Line
		if inserted > 0 && line >= inserted {
			line++
		}
		if root.Content[i].Value != old.Content[i].Value || root.Content[i].Line != line {
			return false
		}
	}
	sec := sectionOf(root, section)
	if sec == nil {
		return false
	}
	if added == 2 || sec.Kind == yaml.MappingNode && sec.Style&yaml.FlowStyle != 0 && sec.Line == at {
		return sec.Kind == yaml.MappingNode && sec.Line == at
	}
	for i := 0; i+1 < len(sec.Content); i += 2 {
		if k := sec.Content[i]; k.Value == "<<" && k.Line == at {
			return true
		}
	}
	return false
}
