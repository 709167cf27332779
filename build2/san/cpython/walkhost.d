build2/san/cpython/walkhost.o: user/cpython/walkhost.c \
 user/cpython/walkhost.h include/sampler.h user/lib/mem.h \
 user/lib/alloc.h user/cpython/../../bpf/walker.h
user/cpython/walkhost.h:
include/sampler.h:
user/lib/mem.h:
user/lib/alloc.h:
user/cpython/../../bpf/walker.h:
