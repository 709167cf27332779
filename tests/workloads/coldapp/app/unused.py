"""Never imported by main."""


def orphan():
    return "nobody calls me"


class Legacy:
    def old_method(self):
        return 1
