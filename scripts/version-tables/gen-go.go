// Writes the Go module version comparison table: every ordered pair of the versions in
// the given file, compared by golang.org/x/mod/semver (the package the go command uses).
// `!` = one side is not valid (semver.IsValid is false). Run through gen.sh.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	var versions []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l != "" && !strings.HasPrefix(l, "#") {
			versions = append(versions, l)
		}
	}
	fmt.Printf("# a b result, produced by golang.org/x/mod/semver.Compare (x/mod %s; ! = semver.IsValid is false)\n", os.Args[2])
	for _, a := range versions {
		for _, b := range versions {
			r := "!"
			if semver.IsValid(a) && semver.IsValid(b) {
				r = [...]string{"<", "=", ">"}[semver.Compare(a, b)+1]
			}
			fmt.Printf("%s %s %s\n", a, b, r)
		}
	}
}
