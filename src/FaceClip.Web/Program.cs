using FaceClip.Core.Runtime;
using FaceClip.Web.Hosting;

var root = ProductPaths.FindRoot();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = root,
    WebRootPath = Path.Combine(root, "wwwroot"),
});

// Static assets of referenced packages (MudBlazor's _content/...) from the build output.
builder.WebHost.UseStaticWebAssets();
builder.Services.AddFaceClip(builder.Configuration);

var app = builder.Build();
app.UseFaceClip();
app.Run();

/// <summary>Entry point type, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
