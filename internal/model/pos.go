package model

import "strings"

// Pos is a position in the source a model came from: 1-based line and
// column, 0 when unknown. File is the file they are in when it is not the
// model's own (Model.File): a file the source includes (AWS::Include).
type Pos struct {
	Line, Col int
	File      string
}

// Prop locates one property of a model element in its source.
type Prop struct {
	// Path names the property in messages, in the source's own terms:
	// "Properties.Integration.Uri" for CloudFormation.
	Path string
	Pos
}

// Props locate an element's properties by model name, the property's path
// below the element in CloudFormation's vocabulary, whatever the source:
// "AuthorizationType", "Integration.Uri", "MethodResponses[0].StatusCode",
// "Integration.RequestParameters.integration.request.path.id". Decoders
// record them; Validate's messages use them to point at the property.
type Props map[string]Prop

// At locates the property name. A property that is not written (a missing
// one) is located at its closest written ancestor, with the path it would
// have. Positions are those of the properties' keys. The entry "" is the
// element's own (CloudFormation: "Properties" at the Properties key, or at
// the logical ID when the resource has no Properties); without it, an
// unlocated property is at pos.
func (p Props) At(name string, pos Pos) Prop {
	for key := name; key != ""; {
		if pr, ok := p[key]; ok {
			pr.Path += name[len(key):]
			return pr
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	if root, ok := p[""]; ok {
		if root.Path != "" && !strings.HasPrefix(name, "[") {
			root.Path += "."
		}
		root.Path += name
		return root
	}
	return Prop{Path: name, Pos: pos}
}
