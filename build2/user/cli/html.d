build2/user/cli/html.o: user/cli/html.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/lib/file.h user/lib/msg.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/lib/file.h:
user/lib/msg.h:
