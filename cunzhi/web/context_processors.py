"""Values every page needs: the text-size preference and the user's roles summary."""


def ui(request):
    return {"large_text": request.COOKIES.get("text_size") == "large"}
