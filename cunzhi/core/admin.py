"""Admin site for what core keeps: the runs of the periodic jobs."""

from django.contrib import admin

from cunzhi.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "slot", "started_at", "finished_at", "ok", "result"]
    list_filter = ["name", "ok"]
