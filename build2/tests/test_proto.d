build2/tests/test_proto.o: tests/unit/test_proto.c user/lib/gzip.h \
 user/lib/proto.h
user/lib/gzip.h:
user/lib/proto.h:
