// Command broken does not compile, so that build errors can be checked.
package main

func main() { undefinedFunction() }
