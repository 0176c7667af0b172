#include <cstdio>
int main() { std::puts("quakeprint"); return 0; }
