package template

import (
	"fmt"
	"strings"
)

// checkCycles reports each cycle of dependencies between resources (Ref,
// GetAtt, Fn::Sub and DependsOn), as CloudFormation refuses them.
func (s *state) checkCycles() {
	if s.aborted {
		return
	}
	n := len(s.resList)
	pos := make(map[string]int, n)
	for i, r := range s.resList {
		pos[r.id] = i
	}
	adj := make([][]int, n)
	for i, r := range s.resList {
		for _, e := range r.edges {
			if j, ok := pos[e.to]; ok {
				adj[i] = append(adj[i], j)
			}
		}
	}
	for _, scc := range tarjan(adj) {
		start := scc[0]
		for _, v := range scc {
			start = min(start, v)
		}
		self := false
		for _, w := range adj[start] {
			self = self || w == start
		}
		if len(scc) == 1 && !self {
			continue
		}
		s.reportCycle(start, scc, adj)
	}
}

func (s *state) reportCycle(start int, scc []int, adj [][]int) {
	in := make(map[int]bool, len(scc))
	for _, v := range scc {
		in[v] = true
	}
	// shortest path from start back to start inside the component
	parent := map[int]int{}
	queue := []int{start}
	seen := map[int]bool{start: true}
	last := -1
	for len(queue) > 0 && last < 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range adj[v] {
			if w == start {
				last = v
				break
			}
			if in[w] && !seen[w] {
				seen[w] = true
				parent[w] = v
				queue = append(queue, w)
			}
		}
	}
	if last < 0 {
		return
	}
	cycle := []int{last}
	for v := last; v != start; {
		v = parent[v]
		cycle = append(cycle, v)
	}
	for i, j := 0, len(cycle)-1; i < j; i, j = i+1, j-1 {
		cycle[i], cycle[j] = cycle[j], cycle[i]
	}
	cycle = append(cycle, start)
	names := make([]string, len(cycle))
	var steps []string
	var first *edge
	for i, v := range cycle {
		names[i] = s.resList[v].id
		if i+1 < len(cycle) {
			from, to := s.resList[v], s.resList[cycle[i+1]]
			for k := range from.edges {
				e := &from.edges[k]
				if e.to != to.id {
					continue
				}
				if first == nil {
					first = e
				}
				where := from.id
				if p := e.path.String(); p != "" {
					where += "." + p
				}
				verb := "refers to"
				if e.kind == "DependsOn" {
					verb = "depends on"
				}
				steps = append(steps, fmt.Sprintf("%s %s %s at %s", where, verb, to.id, s.lineRef(e.file, e.line)))
				break
			}
		}
	}
	r := s.resList[start]
	err := &Error{File: r.file, Line: r.line, Col: r.col, LogicalID: r.id, Msg: fmt.Sprintf("circular dependency between resources: %s (%s)", strings.Join(names, " -> "), strings.Join(steps, "; "))}
	if first != nil {
		err.File, err.Line, err.Col, err.Property = first.file, first.line, first.col, first.path.String()
	}
	s.add(err)
}

// tarjan returns the strongly connected components of a graph (iteratively,
// so that long chains cannot exhaust the stack).
func tarjan(adj [][]int) [][]int {
	n := len(adj)
	index := make([]int, n)
	low := make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	counter := 0
	type frame struct{ v, ei int }
	for root := 0; root < n; root++ {
		if index[root] != -1 {
			continue
		}
		index[root], low[root] = counter, counter
		counter++
		stack = append(stack, root)
		on[root] = true
		call := []frame{{root, 0}}
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.ei < len(adj[f.v]) {
				w := adj[f.v][f.ei]
				f.ei++
				if index[w] == -1 {
					index[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					on[w] = true
					call = append(call, frame{w, 0})
				} else if on[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					on[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				out = append(out, comp)
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
		}
	}
	return out
}
