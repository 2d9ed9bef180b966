// PLACEHOLDER: the CLI lands here.
#include <cstdio>
int main() { std::puts("kolmo: CLI not built yet"); return 1; }
