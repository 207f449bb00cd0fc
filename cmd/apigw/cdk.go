package main

// A CDK cloud assembly (the cdk.out folder `cdk synth` writes): its
// manifest.json lists the stacks (artifacts of type aws:cloudformation:stack,
// each with its templateFile), the asset manifests (*.assets.json: asset
// hash -> the local folder or file it was staged from, and the S3 object
// key it is published under) and, in stages, nested assemblies. apigw
// serves one stack: its Lambda functions run from their asset folders, and
// the parameters CDK's deployment supplies get local values.

import (
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
			local := localAsset(s.dir, ap.Str)
			if _, err := os.Stat(local); err != nil {
				e := &template.Error{File: r.File, Line: ap.Line, Col: ap.Col, LogicalID: r.LogicalID, Property: "Metadata.aws:asset:path",
					Msg: fmt.Sprintf("the function's CDK asset %s is not in %s: %v (run cdk synth again, or give the function's code with --config)", ap.Str, s.dir, pathError(err))}
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
