// Command apigw serves the API Gateway APIs of an AWS CloudFormation template
// on this machine, with the behaviour API Gateway shows its clients.
//
//	apigw serve [flags] TEMPLATE
//	apigw validate [flags] TEMPLATE
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/apigw/apigw/internal/lambda"
)

func main() {
	// apigw re-executes itself as the supervisor of each Lambda instance.
	lambda.RunSupervisorIfAsked()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `apigw serves the API Gateway APIs of a CloudFormation template locally.

Usage:
  apigw serve [flags] TEMPLATE      serve every API of the template
  apigw validate [flags] TEMPLATE   check the template and print its routes

Run 'apigw serve -h' for the flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "apigw: unknown command %q\n\n%s", args[0], usage)
	return 2
}
