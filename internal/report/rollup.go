package report

import (
	"sort"
	"strings"
)

// dimension is one axis of a table: its keys (buckets first, then
// aggregates, every aggregate after its parts, KeyAll last) and how
// aggregates are made of parts.
type dimension struct {
	dim      Dim
	keys     []string
	nBuckets int
	parts    map[int][]int // aggregate key index → part key indices
}

// departmentDim rolls small departments up and returns the dimension and
// each employee's bucket. A department whose whole subtree has fewer than
// k people on the roster (opted-out people included, so that the shape of
// the tree says nothing about who opted out) is not reported on its own:
// its people count directly in the nearest ancestor that is large enough
// (in the company's own bucket KeyOther at the top). The shape therefore
// depends on the roster only, never on sessions, and stays the same from
// month to month and report to report.
func departmentDim(roster []Employee, k int) (dimension, []int) {
	type dept struct {
		path     string
		parent   string
		children []string
		size     int // roster people in the subtree
	}
	tree := map[string]*dept{"": {}}
	var add func(p string) *dept
	add = func(p string) *dept {
		if d, ok := tree[p]; ok {
			return d
		}
		parent := ""
		if i := strings.LastIndex(p, "/"); i >= 0 {
			parent = p[:i]
		}
		d := &dept{path: p, parent: parent}
		tree[p] = d
		pd := add(parent)
		pd.children = append(pd.children, p)
		return d
	}
	for _, e := range roster {
		for d := add(e.Department); ; d = tree[d.parent] {
			d.size++
			if d.path == "" {
				break
			}
		}
	}
	kept := func(p string) bool { return p == "" || tree[p].size >= k }
	home := func(p string) string { // nearest kept ancestor-or-self
		for !kept(p) {
			p = tree[p].parent
		}
		return p
	}
	ownKey := func(p string) string {
		if p == "" {
			return KeyOther
		}
		return p
	}
	// Buckets: the kept departments that have people of their own.
	own := map[string]bool{}
	for _, e := range roster {
		own[home(e.Department)] = true
	}
	var paths []string
	for p := range own {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	d := dimension{dim: DimDepartment, parts: map[int][]int{}}
	index := map[string]int{}
	for _, p := range paths {
		index["own:"+p] = len(d.keys)
		d.keys = append(d.keys, ownKey(p))
	}
	d.nBuckets = len(d.keys)
	// Aggregates, post-order: a kept department with kept children gets a
	// subtree key made of its own bucket and its kept children.
	var visit func(p string) int
	visit = func(p string) int {
		node := tree[p]
		sort.Strings(node.children)
		var parts []int
		if i, ok := index["own:"+p]; ok {
			parts = append(parts, i)
		}
		keptKids := 0
		for _, c := range node.children {
			if kept(c) {
				keptKids++
				if i := visit(c); i >= 0 {
					parts = append(parts, i)
				}
			}
		}
		if p != "" && keptKids == 0 {
			if i, ok := index["own:"+p]; ok {
				return i
			}
			return -1
		}
		key := KeyAll
		if p != "" {
			key = p + SubtreeSuffix
		}
		d.parts[len(d.keys)] = parts
		d.keys = append(d.keys, key)
		return len(d.keys) - 1
	}
	visit("")
	bucket := make([]int, len(roster))
	for i, e := range roster {
		bucket[i] = index["own:"+home(e.Department)]
	}
	return d, bucket
}

// flatDim is a dimension of fixed buckets plus their total.
func flatDim(dim Dim, keys []string) dimension {
	d := dimension{dim: dim, keys: append(append([]string{}, keys...), KeyAll), nBuckets: len(keys), parts: map[int][]int{}}
	all := make([]int, len(keys))
	for i := range all {
		all[i] = i
	}
	d.parts[len(keys)] = all
	return d
}

// bandBuckets maps employees to a fixed band list, KeyOther for none.
func bandBuckets(dim Dim, bands []string, roster []Employee, field func(Employee) string) (dimension, []int) {
	keys := append(append([]string{}, bands...), KeyOther)
	at := map[string]int{}
	for i, b := range bands {
		at[b] = i
	}
	bucket := make([]int, len(roster))
	for i, e := range roster {
		j, ok := at[field(e)]
		if !ok {
			j = len(bands)
		}
		bucket[i] = j
	}
	return flatDim(dim, keys), bucket
}

// DepartmentKey is the key under which people of department path count in
// a release over roster (opted-out people included, as Compute takes it)
// with minimum group minGroup: path itself, the nearest ancestor large
// enough, or KeyOther when the company's own bucket takes them.
func DepartmentKey(minGroup int, roster []Employee, path string) string {
	d, buckets := departmentDim(roster, MinGroup(minGroup))
	for i, e := range roster {
		if e.Department == path {
			return d.keys[buckets[i]]
		}
	}
	return KeyOther
}
