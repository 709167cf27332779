build2/user/lib/procfs.o: user/lib/procfs.c user/lib/procfs.h \
 user/lib/file.h user/lib/str.h
user/lib/procfs.h:
user/lib/file.h:
user/lib/str.h:
