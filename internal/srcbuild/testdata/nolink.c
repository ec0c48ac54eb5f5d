/* A C program that compiles but does not link. */
int not_defined_anywhere(void);

int main(void) { return not_defined_anywhere(); }
