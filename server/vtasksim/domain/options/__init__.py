"""Server settings as vSphere exposes them: the OptionManager at ServiceContent.setting."""
